"""The back-office in the browser (``/admin/``): server-rendered pages over the use cases."""
