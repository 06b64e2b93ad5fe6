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

// On a phone the tables become stacked cards (portal.css): each cell is labelled with its
// column's heading, and the table roles are spelled out because some browsers drop a table's
// semantics once its rows are laid out as blocks.
document.querySelectorAll("main table").forEach((table) => {
  const headings = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
  table.setAttribute("role", "table");
  table.querySelectorAll("thead, tbody").forEach((group) => group.setAttribute("role", "rowgroup"));
  table.querySelectorAll("tr").forEach((row) => {
    row.setAttribute("role", "row");
    [...row.children].forEach((cell, index) => {
      if (cell.tagName === "TH") {
        cell.setAttribute("role", row.parentElement.tagName === "THEAD" ? "columnheader" : "rowheader");
      } else {
        cell.setAttribute("role", "cell");
        if (headings[index] && !cell.hasAttribute("colspan")) cell.dataset.label = headings[index];
      }
    });
  });
  table.classList.add("stacked");
});

// The registration hand-off page posts its form to Keycloak at once (the credential is in the
// form body, never in a URL); its Continue button does the same without scripts.
document.querySelectorAll("form[data-auto-submit]").forEach((form) => form.submit());
