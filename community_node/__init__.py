"""A city's connector program: intake, eligibility, matching, introductions, outcomes."""
