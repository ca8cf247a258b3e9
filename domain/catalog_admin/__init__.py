"""The catalog as staff manage it in the admin: permission-checked, audited use cases."""
