def pytest_configure(config):
    # Registered here too, so that `-m "not slow"` works when only this folder is run.
    config.addinivalue_line("markers", "slow: takes more than about 20 seconds")
