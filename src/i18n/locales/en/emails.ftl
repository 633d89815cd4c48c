email-footer = Baygrants · Guangdong–Hong Kong–Macau Greater Bay Area venture philanthropy. You receive this email because of your account on Baygrants.
email-verify-email-subject = Confirm your email address for Baygrants
email-verify-email-p1 = Dear { $name },
email-verify-email-p2 = Thank you for registering with Baygrants. Please confirm your email address with the link below. It is valid for 48 hours.
email-verify-email-p3 = If you did not register, ignore this email.
email-verify-email-action = Confirm my email address
email-password-reset-subject = Choose a new Baygrants password
email-password-reset-p1 = Dear { $name },
email-password-reset-p2 = Someone asked to reset the password of your Baygrants account. The link below works once, for one hour.
email-password-reset-p3 = If it was not you, ignore this email: your password stays the same.
email-password-reset-action = Choose a new password
email-member-invitation-subject = Invitation to join { $organization } on Baygrants
email-member-invitation-p1 = { $inviter } invites you to join { $organization } on Baygrants.
email-member-invitation-p2 = Open the link to accept. If you have no account yet, register with this email address first. The invitation is valid for 14 days.
email-member-invitation-action = Accept the invitation
email-organization-verified-subject = { $organization } is verified
email-organization-verified-p1 = The fund has verified { $organization }. It can now lead and join applications.
email-organization-verified-p2 = Note: { $note }
email-organization-verified-action = Open the organization
email-organization-returned-subject = { $organization }: verification returned
email-organization-returned-p1 = The fund returned the verification of { $organization } for correction.
email-organization-returned-p2 = Reason: { $reason }
email-organization-returned-p3 = Correct the details and save them; the organization then returns to the queue.
email-organization-returned-action = Open the organization
email-partner-invitation-subject = { $lead } invites you to apply together
email-partner-invitation-p1 = { $lead } invites your organization as a partner on the application “{ $title }”.
email-partner-invitation-p2 = Open the application to accept, with your role and contribution, or to decline.
email-partner-invitation-action = Open the application
email-partner-accepted-subject = { $partner } accepted your invitation
email-partner-accepted-p1 = { $partner } accepted to be a partner on “{ $title }”.
email-partner-accepted-action = Open the application
email-partner-declined-subject = { $partner } declined your invitation
email-partner-declined-p1 = { $partner } declined to be a partner on “{ $title }”.
email-partner-declined-action = Open the application
email-submission-receipt-subject = Received: { $title }
email-submission-receipt-p1 = The application “{ $title }” to “{ $call }” is submitted.
email-submission-receipt-p2 = Until the call closes, the lead may return it to draft to make changes, or withdraw it.
email-submission-receipt-action = Open the application
email-draft-reminder-subject = The call closes soon: { $title }
email-draft-reminder-p1 = The draft “{ $title }” is not submitted yet. The call closes on { $closes }.
email-draft-reminder-p2 = Open the draft to see what is still missing.
email-draft-reminder-action = Open the draft
email-panel-invitation-subject = You are on the review panel: { $call }
email-panel-invitation-p1 = You have been added to the review panel of “{ $call }”.
email-panel-invitation-p2 = Record your affiliations with organizations on your reviewer page, so that you are never assigned their applications.
email-panel-invitation-action = Open my reviewer page
email-review-assigned-subject = A review for you: { $title }
email-review-assigned-p1 = You are assigned the application “{ $title }” in “{ $call }”.
email-review-assigned-p2 = Open it to declare whether you have a conflict of interest before you read it.
email-review-assigned-action = Open the review
email-panel-invitation-new-subject = You are invited to review: { $call }
email-panel-invitation-new-p1 = You are invited to join the review panel of “{ $call }”.
email-panel-invitation-new-p2 = Register with the email address this message was sent to and verify it: you join the panel then.
email-panel-invitation-new-action = Register
email-review-reminder-subject = Your review is due soon: { $title }
email-review-reminder-p1 = Your review of “{ $title }” is due on { $due } and has not been submitted yet.
email-review-reminder-action = Open the review
email-decision-subject = Decision on your application: { $title }
email-decision-p1 = { $outcome ->
    [award] Congratulations: your application “{ $title }” to “{ $call }” is awarded { $amount }.
    [decline] We are sorry: your application “{ $title }” to “{ $call }” is not funded this time.
   *[other] Your application “{ $title }” to “{ $call }” is on the waiting list.
    }
email-decision-p2 = The reasons for the decision and the reviewers' comments follow.
email-decision-action = Open the application
email-award-update-subject = Award update: { $title }
email-award-update-p1 = { $event ->
    [offer_reminder] The award offer for “{ $title }” ({ $amount }) lapses soon: accept the agreement and register the bank account before the date below.
    [report_due] A progress report for “{ $title }” is due soon; please submit it on time.
    [report_overdue] A progress report for “{ $title }” is overdue; funders record late reports.
    [lapsed] The award offer for “{ $title }” was not accepted in time and has lapsed; the money is back in the pool.
    [report_approved] The progress report for “{ $title }” is approved.
    [report_returned] The progress report for “{ $title }” needs changes before it is submitted again; the comments follow.
    [payment_awaiting] A payment of { $amount } for “{ $title }” awaits approval by another finance officer.
    [payment_sent] A payment of { $amount } for “{ $title }” has been sent (remittance advice).
    [payment_settled] The bank has paid { $amount } for “{ $title }” (remittance advice): what left the fund, what you received at which rate, and the reference follow.
    [payment_returned] A payment of { $amount } for “{ $title }” came back from the bank; the bank’s reason follows. Check your bank details on the award page and correct them if needed.
    [return_awaiting] A returned payment of { $amount } for “{ $title }” awaits confirmation by another finance officer.
    [bank_awaiting] The grantee of “{ $title }” corrected its bank details; a finance officer confirms them.
    [bank_confirmed] The bank details for “{ $title }” are confirmed; payments go to this account.
    [bank_rejected] The corrected bank details for “{ $title }” were not accepted; please check them and send them again.
   *[closed] The award for “{ $title }” is closed; what was left unspent is back in the pool.
    }
email-award-update-action = Open the award
email-decision-p3 = { $outcome ->
    [award] Accept the agreement online and register your bank account within six weeks, or the offer lapses.
   *[other] {""}
    }
email-second-factor-subject = { $event ->
    [enrolled] Your account now signs in with an authenticator app
    [recovery-used] A recovery code was used to sign in to your account
    [codes-renewed] New recovery codes were made for your account
   *[reset] The second factor of your account was reset
    }
email-second-factor-p1 = { $event ->
    [enrolled] An authenticator app was set up as the second factor of your Baygrants account; every login now asks for its code.
    [recovery-used] Someone signed in to your Baygrants account with one of its recovery codes instead of a code from the app.
    [codes-renewed] New recovery codes were made for your Baygrants account; the earlier ones no longer work.
   *[reset] A fund administrator removed the second factor of your Baygrants account and ended its sessions; you will set up an authenticator app again at your next login.
    }
email-second-factor-p2 = If this was not you, change your password at once and tell a fund administrator.
email-second-factor-action = Open your account
