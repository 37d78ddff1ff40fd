module confidential.local/check

go 1.26
