"""Every message a registrant or a Site Administrator reads, by code, in one table.

Code decides, text explains: forms and stages return *codes* (with parameters); templates
switch on codes (a tip under 17712, a link under "no organization"); the words live here
only. Where the Dean and WellFirst guides word a message differently, ``BRAND_TEXTS`` holds
the brand's own version. ``{plan_name}``, ``{portal_name}`` and ``{reviewing_admin}`` are
filled from the brand. Other modules' tests match some of these texts literally (the guides'
wording): change them with care.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from idp_bridge.brand import BRANDS, DEFAULT_BRAND, Brand, current_brand

NAME_RULES = ("may use letters, spaces, apostrophes, hyphens, periods, commas and "
              "parentheses, and must start with a letter.")
EMAIL_RULES = ("Enter a valid email address, e.g. name@clinic.org. Up to 64 letters, digits "
               "or . _ % + - ' before the @, with no two dots in a row.")

TEXTS: dict[str, str] = {
    # Create An Account: NPI and TIN
    "account_type.required": "Please select your account type.",
    "npi.required": "NPI is required.",
    "npi.shape": "NPI must be exactly 10 digits.",
    "npi.check_digit": "This is not a valid NPI: please check the digits.",
    "tin.required": "TIN is required.",
    "tin.shape": "TIN must be 9 digits, e.g. 12-3456789.",
    "tin.invalid": ("This is not a valid TIN (EIN, or SSN/ITIN for a sole proprietor): please "
                    "check the digits."),
    "tin.prefix": ("{prefix} is not a prefix the IRS gives to any Employer Identification Number "
                   "(EIN): please check the first two digits. A sole proprietor's SSN or ITIN "
                   "is typed as 123-45-6789."),
    # The National Provider registry (the one refusal, for the wizard and the console)
    "registry.unavailable": ("The National Provider registry can't be reached right now. "
                             "Please try again in a few minutes."),
    "npi.not_found": "This NPI was not found in the National Provider registry.",
    "npi.inactive": "This NPI is not active in the National Provider registry.",
    "npi.not_organizational": ("An organizational NPI is required to register an Organization. "
                               "This NPI belongs to an individual (professional) provider."),
    # Who holds the pair
    "org.exists": ("17712 : An existing Organization was matched for the given NPI and TIN. "
                   "Please select individual to continue to register as a Individual with "
                   "this Organization."),
    "org.exists.tip": ("Please verify the NPI and TIN are correct. If so, please register as an "
                       "Individual, or correct the information and proceed."),
    "org.not_registered": ("No Organization account is registered with this NPI and TIN. An "
                           "Organization account must be registered before Individual users "
                           "can register."),
    "org.not_registered.tip": (
        "If you are registering as an Individual under an Organization that has not yet "
        "registered, you will be directed to complete the Organization registration before "
        "you can register as an individual. If you believe there is already an account created "
        "for your Organization, please verify the TIN and NPI match those that were used for "
        "the registration of the account."),
    "org.not_registered.action": "Register your Organization",
    "org.denied": ("An Organization registration with this NPI and TIN was reviewed and not "
                   "approved by the {reviewing_admin}. It can't be registered again here. "
                   "Please contact {plan_name} Provider Relations to have the registration "
                   "reviewed again."),
    "org.gone": "This Organization account is no longer available.",
    "pair.taken_here": "This NPI and TIN are already registered to this organization.",
    "pair.taken_elsewhere": "This NPI and TIN are already registered to another organization.",
    "pair.just_taken": "This NPI and TIN were just registered to an organization.",
    # sec-claims: NPIs and TINs a Site Administrator adds wait for the health plan's review.
    # One refusal for "another organization holds this NPI" and "the registry does not know
    # it": neither reveals which NPIs are registered with the plan, nor to whom.
    "pair.cannot_add": ("This NPI can't be added to this organization. Please check the NPI, "
                        "or contact {plan_name} Provider Relations."),
    "pair.requested": ("NPI {npi} and its TIN were sent to {plan_name} for review. They become "
                       "part of this organization once approved."),
    "pair.reviewed_already": "This NPI and TIN request was already reviewed.",
    "pair.approved": "NPI {npi} is now part of {organization}.",
    "pair.denied": "NPI {npi} was not added to {organization}.",
    "pair.owned_elsewhere": ("This NPI now belongs to another organization; the request can "
                             "only be denied."),
    # Questionnaire
    "answer.required": "Please select an answer.",
    "answer.tampered": "Please choose one of the options shown.",
    # Text fields (labels come as a parameter)
    "field.required": "{label} is required.",
    "field.control_characters": "{label} contains characters that can't be used; please retype it.",
    "field.too_long": "{label} must be at most {max_length} characters.",
    "name.invalid": "{label} " + NAME_RULES,
    "state.invalid": "Enter a two-letter US state, e.g. WI.",
    "zip.invalid": "Zip must be 5 digits (or ZIP+4), e.g. 53715.",
    "phone.invalid": "{label} must be a valid phone number, e.g. 608-555-1234.",
    "email.required": "Email is required.",
    "email.invalid": EMAIL_RULES,
    # Individual Enrollment
    "opt_in.required": "Please select Opt In or Opt Out for electronic communications.",
    "site_admin.required": ("You must agree to be the organization's initial Site "
                            "Administrator to continue."),
    "site_admin.agreement": (
        "The first registered user under an organization will automatically be selected as the "
        "initial Site Administrator. By selecting this, you are agreeing that you will become "
        "this organization's initial Site Administrator."),
    "email.unverified": "You must verify your email address before continuing.",
    "email.sent": "Email has been sent. Please check your inbox.",
    "email.delayed": ("Our email service is slow right now: your code will arrive within a few "
                      "minutes. Please check your inbox."),
    "email.validated": "Email Validated Successfully",
    "code.subject": "{portal_name} verification code",
    "code.body": ("Your verification code is {code}. It expires in {minutes} minutes.\n\n"
                  "If you did not request this code, you can ignore this email."),
    "code.cooldown": ("A code was just sent. Please wait {seconds} seconds before requesting "
                      "another."),
    "code.too_many_sends": ("Too many codes have been requested. Please try again in "
                            "{minutes} minutes."),
    "code.too_many_sends.draft": ("Too many codes have been requested for this registration. "
                                  "Please restart registration to try again."),
    "code.too_many_tries": ("Too many incorrect codes were entered for this code. Please click "
                            "Send Code for a new code."),
    "code.not_sent": "Please click Send Code to receive a code at this email address.",
    "code.used": "This code has already been used. Please click Send Code for a new code.",
    "code.expired": "This code has expired. Please click Send Code for a new code.",
    "code.wrong": "The code is incorrect. {left} {tries} left.",
    # Access To Multiple Organization Accounts
    "merge.question": ("An active account already exists for this email. Would you like to "
                       "merge your current registration process to this existing account?"),
    "merge.required": "Please select YES or NO.",
    "email.taken_again": ("An account already exists for this email address too. Please enter "
                          "a different email address, or restart registration and answer YES "
                          "to merge with the existing account."),
    "merge.declined": (
        "You chose not to merge this registration with the existing login {email}, so it needs "
        "a different email address: each email address is the login ID of one account. Please "
        "enter a new email address below, click Send Code and verify it, then click Continue."),
    # Password Setup
    "password.required": "Password is required.",
    "password.mismatch": "Passwords do not match.",
    "password.rule": "Your password does not meet this requirement: {rule}.",
    "password.rejected": "{text}",  # Keycloak's own words, for a rule the guide doesn't list
    "login.unavailable": "We couldn't create your login just now. Please try again in a moment.",
    "login.exists": ("An account already exists for this email. Please restart registration to "
                     "merge with it."),
    "profile.field": "{label} {reason}. Please correct it and continue.",
    "profile.rejected": "Some of your details were not accepted. Please check them.",
    # The wizard as a whole
    "wizard.no_going_back": (
        "At no point during the registration process can you go back to a previous screen. If "
        "information needs to be corrected, you will be required to restart the registration "
        "process."),
    "wizard.unavailable": ("We couldn't reach the sign-in service just now; nothing you typed "
                           "was lost. Please try again in a moment."),
    "wizard.not_saved": "We couldn't save this step just now. Please try again in a moment.",
    "wizard.sign_in": "Please continue to sign in.",
    "completion.failed": "{text}",  # completion.py's own words (17712, try again, ...)
    "wizard.welcome": "Thank you, and welcome to the {portal_name}!",
    "wizard.organization_review": (
        "The registration information provided will be reviewed by a {reviewing_admin}. "
        "Registrants will receive an email confirmation of their access status within two "
        "business days. If any further information is needed, the {reviewing_admin} will call "
        "to verify any details in question."),
    "wizard.individual_needs_approval": ("Individual users cannot be added without the approval "
                                         "of the Organization Site Administrator."),
    # Completing a registration (registration/completion.py, drafts.py)
    "registration.try_again": ("We couldn't finish your registration just now; nothing was "
                               "saved. Please try again in a moment."),
    "registration.already_member": "You have already registered with this Organization.",
    "registration.gone": ("This registration has expired and was removed. Please restart "
                          "registration."),
    "registration.login_gone": ("The account this registration was joining no longer exists. "
                                "Please restart registration."),
    "terms.required.title": "Your registration is not finished",
    "terms.required": ("The Terms & Conditions must be accepted to finish your registration. "
                       "Nothing you entered was lost: go back, read the Terms & Conditions and "
                       "select Accept to complete your registration."),
    "terms.required.action": "Go back and accept the Terms & Conditions",
    # Limits against guessing and pumping (idp_bridge/limits, issue 19)
    "pair.too_many_misses": (
        "Too many NPI and TIN combinations that did not match were tried. For your security, "
        "please try again in {minutes} minutes. If you are sure the NPI and TIN are right, "
        "please contact Provider Services."),
    "pair.too_many_misses.draft": (
        "Too many NPI and TIN combinations that did not match were tried in this "
        "registration. Please check the NPI and TIN with your organization, then restart "
        "registration."),
    "code.too_many_sends.client": ("Too many codes have been requested from this network. "
                                   "Please try again in {minutes} minutes."),
    "code.too_many_sends.total": ("We are sending too many codes right now. Please try again "
                                  "in {minutes} minutes."),
    # The guides to the letter (issue 21): the "?" help beside an email, the header's
    # organizations while none is usable yet
    "email.work_help": "This should be a work email address.",
    "email.work_help.label": "Help: which email address to use",
    "merge.accepted": ("This registration will be added to your existing account. Complete "
                       "this page and click Continue."),
    "merge.title": "Access To Multiple Organization Accounts",
    "merge.no_tip": ("If you click No on the option to merge your accounts, you will be "
                     "directed to enter a new email address which will create a separate "
                     "login ID."),
    "phone.extension": "{label}: an extension is up to {digits} digits (numbers only).",
    "phone.two_extensions": ("{label}: two different extensions were entered. Put the "
                             "extension in the Ext. box only."),
    # Exclusions and NPPES deactivations (idp_bridge/exclusions, issue 23)
    "exclusions.override_required": (
        "This organization matches {count} exclusion or deactivation listing(s) shown above. "
        "To approve it anyway, write an override note saying why (e.g. the verification "
        "call); nothing was changed."),
    "exclusions.decide.unknown": "Unknown decision; nothing was changed.",
    "exclusions.decide.gone": "That flag no longer exists; nothing was changed.",
    "exclusions.decide.refused": "Nothing was changed: {reason}.",
    "exclusions.mail.deactivated.subject": "{portal_name}: an NPI of your organization was "
                                           "deactivated",
    "exclusions.mail.deactivated.body": (
        "The National Plan and Provider Enumeration System (NPPES) lists NPI {npi} of "
        "{organization} as deactivated on {date}. {plan_name} will review your organization's "
        "access to the {portal_name}. If the NPI was deactivated in error or replaced, please "
        "contact NPPES and the {reviewing_admin}. The registry entry: {link}"),
    "exclusions.mail.screen.subject": "Monthly exclusion screening: {count} new match(es)",
    "exclusions.mail.screen.body": (
        "The monthly screening against the OIG LEIE and SAM.gov found {count} new match(es) "
        "among approved organizations. Review them under Registry changes in the plan "
        "administrator console:\n\n{flags}"),
    # Lifecycle (idp_bridge.lifecycle): inactive logins, suspension, re-enabling
    "inactive.warning.subject": "{portal_name}: your login will be disabled on {day}",
    "inactive.warning.body": (
        "You have not signed in to the {portal_name} since {since}. To keep your access, "
        "sign in before {day}; otherwise your login will be disabled on that day, as the "
        "health plan's security rules require for logins unused for {days} days.\n\n"
        "If you no longer need access, you do not need to do anything."),
    "inactive.disabled.subject": "{portal_name}: your login was disabled",
    "inactive.disabled.body": (
        "Your {portal_name} login was disabled because it was not used for {days} days. "
        "To have it re-enabled, contact your organization's Site Administrator (Site "
        "Administrators: contact {plan_name} Provider Services)."),
    "login.reenabled.subject": "{portal_name}: your login was re-enabled",
    "login.reenabled.body": (
        "Your {portal_name} login was re-enabled by {by}. You can sign in again. Logins unused "
        "for {days} days are disabled, so please sign in from time to time."),
    "member.suspended.subject": "{portal_name}: access suspended",
    "member.suspended.body": (
        "Your access to {organization} on the {portal_name} is suspended. Your roles are kept "
        "and can be restored by your organization's Site Administrator."),
    "access_review.reminder.subject": "{portal_name}: yearly access review for {organization}",
    "access_review.reminder.body": (
        "As a Site Administrator of {organization}, please review who keeps access on the "
        "{portal_name} by {day}: sign in, and the review is the first page you see. For each "
        "person, choose Keep or Revoke.\n\n"
        "If the review is not done within {grace} days after that date, everyone except the "
        "Site Administrators is suspended until it is; their roles are kept and come back "
        "when you keep them."),
    "access_review.choose_each": "Choose Keep or Revoke for each person.",
    "access_review.keep_an_admin": "Keep at least one Site Administrator.",
    # Invitations (idp_bridge.invitations)
    "invitation.subject": "{portal_name}: you are invited to {organization}",
    "invitation.body": (
        "{by} invited you to the {portal_name} for {organization}, with these roles: "
        "{roles}.\n\nOpen this link to accept (it works once, for {days} days):\n{link}\n\n"
        "New to the portal? The link takes you to create your login, with your organization's "
        "NPI and TIN filled in and this email address already verified. Already have a login? "
        "Sign in from the link and {organization} joins your other organizations.\n\n"
        "If you did not expect this, you can ignore this email."),
    "invitation.accepted.subject": "{portal_name}: welcome to {organization}",
    "invitation.accepted.body": ("You accepted the invitation: your access to {organization} "
                                 "on the {portal_name} is approved. You can sign in now."),
    "invitation.sent": "Invitation sent to {email}.",
    "invitation.resent": "A new link was sent to {email}; the earlier link no longer works.",
    "invitation.revoked": "The invitation to {email} was revoked; its link no longer works.",
    "invitation.email": "Enter a valid email address, e.g. name@clinic.org.",
    "invitation.role": "Choose roles from the list.",
    "invitation.cap": ("You have sent as many invitations as allowed today. Please try again "
                       "tomorrow."),
    "invitation.already_member": "This person is already a member of this organization.",
    "invitation.already_invited": ("This person already has an open invitation: use Resend "
                                   "below for a new link."),
    "invitation.closed": "This invitation was already used, revoked or replaced.",
    "invitation.other_email": ("This invitation was sent to another email address. Sign out "
                               "and sign in with the invited address, or ask your Site "
                               "Administrator to invite this one."),
    "invitation.try_again": "The invitation could not be accepted just now. Please try again.",
    "invitation.welcome": "Welcome to {organization}: your access is approved.",
    "invitation.link_closed": (
        "It has expired, was already used, or was replaced by a newer link or revoked. Please "
        "ask your organization's Site Administrator to send you a new invitation."),
    "member.restored.subject": "{portal_name}: access restored",
    "member.restored.body": (
        "Your access to {organization} on the {portal_name} is restored, with the same roles "
        "as before."),
    # Registration hand-off (sec-plugin): the page whose form carries the browser into
    # Keycloak's Phone Verification (the credential in the form body, never in a URL).
    "handoff.title": "Continue to Phone Verification",
    "handoff.body": "Taking you to Phone Verification. If nothing happens, select Continue.",
    "handoff.continue": "Continue",
    # Second factors on the portal's Security section (factors)
    "factors.app_added": ("Authenticator app added. At sign-in, choose “Try Another Way” to "
                          "use it instead of a phone code."),
    "factors.app_not_added": "No authenticator app was added.",
    "factors.codes_created": ("New recovery codes were created. Keep them somewhere safe: each "
                              "one signs you in once if you lose your phone."),
    "factors.codes_not_created": "No recovery codes were created.",
    "factors.codes_prompt": ("Create recovery codes now, so you can still sign in if you lose "
                             "your phone."),
    "factors.codes_left": "{left} of 12 recovery codes left.",
    "factors.codes_low": "Few recovery codes are left: create a new set.",
    "factors.unavailable": ("Your sign-in methods cannot be shown just now. Please try again "
                            "later."),
    # Security notices (factors): one email per change to how a person signs in
    "notice.subject": "{portal_name}: a change to how you sign in",
    "notice.body": (
        "Hello,\n\n{what}\n\nIf this was you, there is nothing more to do.\n\n"
        "If this wasn't you, someone else may be able to sign in as you: reset your password "
        "from the Log In page (\"Need help signing in?\") and contact your organization's "
        "Site Administrator, or the {reviewing_admin}, right away.\n\n"
        "We send this email for every change to your password, phone, authenticator app, "
        "passkeys, recovery codes or administrator rights, never for an ordinary sign-in.\n\n"
        "Thank you,\nThe {portal_name} team"),
    "notice.password_changed": "The password of your {portal_name} login was changed.",
    "notice.phone_changed": "The phone number that receives your sign-in codes was changed.",
    "notice.app_added": "An authenticator app was added to your sign-in.",
    "notice.app_removed": "An authenticator app was removed from your sign-in.",
    "notice.passkey_added": "A passkey was added to your sign-in.",
    "notice.passkey_removed": "A passkey was removed from your sign-in.",
    "notice.recovery_codes_created": "New recovery codes were created for your login.",
    "notice.recovery_code_used": ("One of your recovery codes was used to sign in. You were "
                                  "asked to set up a new phone."),
    "notice.second_factor_reset": (
        "An administrator reset your second factor (phone and authenticator app) after "
        "checking your identity. You will set up a new one the next time you sign in."),
    "notice.site_admin_granted": "You were made a Site Administrator of {organization}.",
    "notice.site_admin_revoked": "You are no longer a Site Administrator of {organization}.",
    # Lost-phone recovery by people (factors): resetting someone's second factor
    "reset.self": "You cannot reset your own second factor. Ask another administrator.",
    "reset.plan_admin": ("A plan administrator's second factor can only be reset by another "
                         "plan administrator."),
    "reset.reason": "Enter the reason or ticket number (3 to 200 characters).",
    "reset.check_subject": "{portal_name}: your identity check code",
    "reset.check_body": (
        "Hello,\n\nAn administrator is helping you sign in again after losing your phone. "
        "Read this check code to them when they ask: {code}\n\nIt expires in 10 minutes. "
        "Never tell it to anyone who calls you unasked.\n\nIf you did not ask for help, "
        "do not share the code, and contact your organization's Site Administrator or the "
        "{reviewing_admin}.\n\nThank you,\nThe {portal_name} team"),
    "reset.check_sent": ("A check code was emailed to the address on file. Ask the person to "
                         "read it back to you."),
    "reset.check_wrong": "That is not the check code that was emailed. Please check it.",
    "reset.check_expired": "The check code has expired. Start again to email a new one.",
    "reset.check_locked": "Too many wrong check codes. Start again to email a new one.",
    "reset.gone": "This reset is no longer waiting for a check code. Start again.",
    "reset.quota": "You have reached today's limit of {cap} second-factor resets.",
    "reset.keycloak": ("The second factor could not be reset just now; nothing was changed. "
                       "Please try again."),
    "reset.done": ("{name}'s second factor was reset. They were signed out and will set up a "
                   "new phone at their next sign-in."),
    # Decisions, console flashes and the bridge's own emails (shape, issue 20): every text
    # raised in a DecisionFailed or flashed is a code here (tests/unit/test_messages_home.py)
    "decision.keycloak_away": ("Keycloak could not apply this change just now; nothing was "
                               "changed. Please try again."),
    "decision.not_saved": ("The change could not be saved; nothing was changed. Please try "
                           "again."),
    "decision.already_handled": "That request was already handled.",
    "decision.last_admin": "An organization must keep at least one Site Administrator.",
    "organization.reviewed_already": "This organization was already reviewed.",
    "role.unknown": "Unknown portal role.",
    "role.provider_admin": ("Provider Admin is the Site Administrator: use Make Site "
                            "Administrator."),
    "note.too_long": "The note can be at most {max_length:,} characters.",
    "organization.decided.approve": "{organization} approved.",
    "organization.decided.deny": "{organization} denied.",
    "reconcile.unreachable": "Keycloak could not be reached; nothing was changed.",
    "reconcile.done": "Reconciled: {count} change(s). {changes}",
    "member.done.approve": "{name} is approved and can now sign in.",
    "member.done.deny": "{name}'s request was denied.",
    "member.done.remove": "{name} was removed from {organization}.",
    "member.done.grant-role": "{name} now has the {role} role.",
    "member.done.revoke-role": "{name} no longer has the {role} role.",
    "member.done.grant-admin": "{name} is now a Site Administrator.",
    "member.done.revoke-admin": "{name} is no longer a Site Administrator.",
    "member.done.suspend": "{name}'s access is suspended; their roles are kept.",
    "member.done.restore": "{name}'s access is restored with the same roles.",
    "exclusions.flag.cannot": "a {state} flag cannot be {event}",
    "exclusions.flag.note_required": "a note is required",
    "exclusions.flag.note_too_long": "the note can be at most {max_length:,} characters",
    "exclusions.decided.keep": "{organization}: access kept.",
    "exclusions.decided.suspend": "{organization}: access suspended.",
    "mail.retry_now": "Undelivered emails will be retried now.",
    "login.keycloak_away": "Keycloak could not apply this change just now; nothing was changed.",
    "login.not_disabled": "This login is not disabled.",
    "login.reenabled_already": "This login was already re-enabled.",
    "login.can_sign_in": "{name} can sign in again.",
    "login.can_sign_in.plan_admin": "The login can sign in again.",
    "access_review.done": "Thank you: the access review is complete.",
    "passkey.added": "Passkey added. Next time choose “Sign in with Passkey”.",
    "passkey.none_added": "No passkey was added.",
    "passkey.remove_again": "Nothing was removed: choose Remove again.",
    "passkey.sign_in_again": "Nothing was removed: please sign in again to remove a passkey.",
    "passkey.not_removed": "The passkey could not be removed just now. Please try again.",
    "passkey.removed": "Passkey removed.",
    "passkey.not_yours": "That passkey is not on your account.",
    "organization.approved.subject": "{portal_name}: your organization is approved",
    "organization.approved.body": ("{organization} is approved on the {portal_name}. You are "
                                   "its Site Administrator and can now sign in."),
    "organization.denied.subject": "{portal_name}: registration not approved",
    "organization.denied.body": ("The registration of {organization} on the {portal_name} was "
                                 "not approved. Please contact the health plan with any "
                                 "questions."),
    "member.approved.subject": "{portal_name}: access approved",
    "member.approved.body": ("Your access to {organization} on the {portal_name} has been "
                             "approved. You can now sign in."),
    "member.denied.subject": "{portal_name}: access denied",
    "member.denied.body": ("Your request to access {organization} on the {portal_name} was "
                           "denied. Please contact the Organization Site Administrator with "
                           "any questions."),
    "access.changed.subject": "{portal_name}: your access changed",
    "role.granted.body": "You were granted the {role} role for {organization}.",
    "role.revoked.body": "You no longer have the {role} role for {organization}.",
    "member.removed.subject": "{portal_name}: access removed",
    "member.removed.body": ("Your access to {organization} on the {portal_name} was removed. "
                            "Please contact the Organization Site Administrator with any "
                            "questions."),
    "registration.received.subject": "{portal_name} registration received",
    "registration.received.body": (
        "Thank you for registering for the {portal_name}.\n\n"
        "Please be aware this is a confirmation of registration only, and not an approval "
        "of access.\n\n{review}\n\n"
        "Thank you, and welcome to the {portal_name}!\n"),
    "registration.received.review.organization": (
        "The registration information provided will be reviewed by a {reviewing_admin}. "
        "You will receive an email confirmation within two business days. If any further "
        "information is needed, the {reviewing_admin} will call to verify any details in "
        "question."),
    "registration.received.review.individual": (
        "Your request to access {organization} will be reviewed by the Organization's Site "
        "Administrator. Once the review is complete, an email will be sent to this address."),
    "registration.review.organization.subject": "New organization registration to review",
    "registration.review.organization.body": ("{organization} (NPI {npi}) registered on the "
                                              "{portal_name} and awaits review."),
    "registration.review.individual.subject": "New user registration to review",
    "registration.review.individual.body": ("{first_name} {last_name} registered under "
                                            "{organization} and awaits your approval."),
    # Forms (issue 20 item 3): every field's label, spelled once here. Forms take them
    # through ``idp_bridge.forms.label`` and validators name the field by it.
    "label.account_type": "Account type",
    "label.npi": "NPI",
    "label.tin": "TIN",
    "label.primary_npi": "Primary NPI",
    "label.primary_tin": "Primary TIN",
    "label.organization_name": "Organization Name",
    "label.doing_business_as": "Doing Business As",
    "label.address_line1": "Address Line One",
    "label.address_line2": "Address Line Two",
    "label.city": "City",
    "label.state": "State",
    "label.zip": "Zip",
    "label.business_phone": "Business Phone",
    "label.email": "Email",
    "label.login_email": "Email Address - Login ID",
    "label.first_name": "First Name",
    "label.last_name": "Last Name",
    "label.phone": "Phone",
    "label.phone_extension": "Ext.",
    "label.job_title": "Job Title",
    "label.opt_in": "Opt In/Out for Electronic Communications",
    "label.communications": "Electronic communications",
    "label.any": "A value",
    "label.decision_note": "Note (e.g. the outcome of the verification call)",
    "label.override_note": ("Override note (required to approve an organization on an "
                            "exclusion list)"),
    "label.invite_email": "Colleague's work email",
    "label.flag_note": "Note",
    "label.reset_reason": "Reason or ticket number",
    "label.check_code": "Check code {name} read back to you",
    "label.remove_passkeys": "Also remove their passkeys (only if they asked)",
    "label.email_code": "Email code",
    "label.password": "Password",
    "label.confirm_password": "Confirm Password",
    # Registry changes' State column, read in a browser (waits, issue 20): words, not the
    # stored state codes; "access suspended" once, not "suspended (access suspended)".
    "exclusions.state.open": "Open",
    "exclusions.state.open.held": "Open (access suspended)",
    "exclusions.state.kept": "Access kept",
    "exclusions.state.suspended": "Access suspended",
    "exclusions.state.cleared": "Cleared",
}

# Where a guide words it its own way (keyed by brand, then code).
BRAND_TEXTS: dict[str, dict[str, str]] = {
    "wellfirst": {
        "wizard.organization_review": (
            "The registration information provided will be reviewed by a {reviewing_admin}. "
            "Registrants will receive an email confirmation within two business days. If any "
            "further information is needed, the {reviewing_admin} will call to verify any "
            "details in question."),
        "org.exists.tip": ("Please verify the NPI and TIN are correct. If so, please register "
                           "as an Individual. If not, correct the information and proceed."),
    },
}


def message(code: str, /, brand: str | Brand | None = None, **params: Any) -> str:
    """The text for ``code`` in ``brand``'s wording (the current request's brand if None)."""
    chosen = _brand(brand)
    text = BRAND_TEXTS.get(chosen.key, {}).get(code) or TEXTS[code]
    values = {"plan_name": chosen.plan_name, "portal_name": chosen.portal_name,
              "reviewing_admin": chosen.reviewing_admin, **params}
    return text.format(**values)


@dataclass(frozen=True)
class Problem:
    """A refusal as a code plus parameters; templates compare ``.code`` and show ``.text``."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return message(self.code, **self.params)

    def __str__(self) -> str:
        return self.text


def problem(code: str, /, **params: Any) -> Problem:
    return Problem(code, params)


def _brand(brand: str | Brand | None) -> Brand:
    if isinstance(brand, Brand):
        return brand
    if brand is None:
        return current_brand()  # the request's (by host name), the default outside one
    return BRANDS.get(brand, BRANDS[DEFAULT_BRAND])
