module confidential.local/caddy/tester

go 1.26
