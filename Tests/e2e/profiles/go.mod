module correlator.e2e/profiles

go 1.19
