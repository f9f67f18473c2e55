import engines  # noqa: F401,E402  (its warning filter, before anything imports pyspark)
