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
// Send Code refused for now: the server says in how many seconds a new code may be asked
// for; count down, and keep the button off until then.
document.querySelectorAll("[data-retry-after]").forEach((button) => {
  const countdown = document.getElementById("send-code-countdown");
  const shown = countdown && countdown.querySelector(".seconds");
  let left = Number(button.dataset.retryAfter);
  button.disabled = left > 0;
  const timer = setInterval(() => {
    left -= 1;
    if (shown) shown.textContent = String(Math.max(left, 0));
    if (left <= 0) {
      clearInterval(timer);
      button.disabled = false;
      if (countdown) countdown.textContent = "You can request a new code now.";
    }
  }, 1000);
});
// The merge question (Individual Enrollment, right after the email is verified): rendered
// open in the page, so it works without script; here it becomes a modal dialog.
const mergeDialog = document.querySelector("dialog[data-modal]");
if (mergeDialog && typeof mergeDialog.showModal === "function") {
  mergeDialog.close();
  mergeDialog.showModal();
}
