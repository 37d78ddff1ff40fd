module confidential/probe

go 1.26
