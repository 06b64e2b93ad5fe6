// Keycloak's page template shows the email being signed in as a read-only field with no
// label (axe: "Form elements must have labels"); name it for screen readers.
document.addEventListener("DOMContentLoaded", function () {
    var attempted = document.getElementById("kc-attempted-username");
    if (attempted && !attempted.hasAttribute("aria-label")) {
        attempted.setAttribute("aria-label", "Email Address - Login ID");
    }
});
