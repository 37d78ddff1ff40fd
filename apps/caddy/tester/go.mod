module confidential.local/caddy/tester

go 1.26

require confidential.local/bench v0.0.0

// the project's load generator and benchmark method, at its workspace path (the image builds keep that layout)
replace confidential.local/bench => ../../../packages/bench
