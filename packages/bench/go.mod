module confidential.local/bench

go 1.26
