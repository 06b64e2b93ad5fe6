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
