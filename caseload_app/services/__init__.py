"""Services: one public call = one user action = one transaction."""
