// The "eye" icon: show the entered password so the user can check what they typed.
document.querySelectorAll("button.eye").forEach((button) => {
  button.addEventListener("click", () => {
    const input = document.getElementById(button.dataset.toggle);
    const show = input.type === "password";
    input.type = show ? "text" : "password";
    button.setAttribute("aria-label", show ? "Hide password" : "Show password");
    button.setAttribute("aria-pressed", String(show));
  });
});
// A second click while a form is submitting would send the same step twice.
document.querySelectorAll("form").forEach((form) => {
  form.addEventListener("submit", () => {
    setTimeout(() => form.querySelectorAll("button[type=submit]").forEach((b) => (b.disabled = true)), 0);
  });
});
