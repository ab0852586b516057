module correlator.demo/workload

go 1.19
