// Correlator module.
