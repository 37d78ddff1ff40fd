module confidential.local/gonet

go 1.26
