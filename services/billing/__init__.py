"""What every conversation cost and what each tenant owes: an exact ledger of model and tool calls booked from the
log (decimal amounts, the prices of the day), per-turn usage, conversation and AI-resolution metering, plans and
quotas (thresholds announced as tenant-wide events), cost reports, daily series and the conversations behind any
figure, invoice previews, and a rebuild of the whole ledger from the log that checks the live one.

Start at ``booking.py`` (``book``: one event in, ledger rows out); plans are ``plans.py``, reports ``reports.py``,
analytics series and drill-downs ``analytics.py``.
"""
