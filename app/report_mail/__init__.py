"""Scheduled e-mailed reports: a KPI report (CSV) sent daily or weekly to a list of addresses
through an e-mail alert channel, exactly once per period whichever API process sends it."""
