"""Value objects and ports shared by every bounded context (money, time, ids, errors)."""
