"""Staff accounts: roles and permissions, sign-in with two-factor, staff sessions."""
