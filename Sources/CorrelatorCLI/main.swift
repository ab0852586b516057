print("correlator")
