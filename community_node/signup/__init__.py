"""Public sign-up forms: newcomers apply and professionals volunteer, without an account.

An application is stored as a submitted person with its consents, for staff to review;
no eligibility result is shown to the applicant (docs/signup.md).
"""
