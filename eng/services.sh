#!/usr/bin/env bash
# Servers for the tests, from the OS packages, on loopback and free ports. Sourced by eng/test.sh.
# Each test suite that needs a server reads its address from the environment (FEAST_TEST_*),
# so the same tests run against servers a developer started by hand.
#
# No suite needs a server yet: the SQLite online store, the file and SQLite registries run in-process.
# Redis (issue 6) and PostgreSQL (issue 7) start here when their suites arrive.

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
    || echo $((20000 + RANDOM % 20000))
}

start_test_services() { :; }
stop_test_services() { :; }
