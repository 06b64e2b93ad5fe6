// Scripts live here, not inline: the Content-Security-Policy allows only our own files.

// The organization switcher submits as soon as another organization is chosen.
document.querySelectorAll("select[data-submit-on-change]").forEach((select) => {
  select.addEventListener("change", () => select.form.submit());
});

// "Register your Organization" ticks the Organization account type.
document.querySelectorAll("a[data-choose]").forEach((link) => {
  link.addEventListener("click", (event) => {
    event.preventDefault();
    const radio = document.querySelector(`input[value="${link.dataset.choose}"]`);
    if (radio) {
      radio.checked = true;
      radio.focus();
    }
  });
});

// Site Administrators' members list: whether each member has a passkey, asked after the page
// is shown (Keycloak answers one user at a time; the list itself never waits for it).
document.querySelectorAll("table[data-passkeys-url]").forEach((table) => {
  const cells = table.querySelectorAll("small.passkey[data-membership]");
  if (!cells.length) return;
  fetch(table.dataset.passkeysUrl, { credentials: "same-origin", redirect: "error" })
    .then((answer) => (answer.ok ? answer.json() : null))
    .then((holders) => {
      if (!holders) return; // Keycloak cannot say right now: show nothing rather than "no"
      cells.forEach((cell) => {
        const known = holders[cell.dataset.membership];
        if (known !== undefined) cell.textContent = `Passkey: ${known ? "yes" : "no"}`;
      });
    })
    .catch(() => {});
});
