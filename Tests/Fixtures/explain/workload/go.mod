module explain-workload

go 1.19
