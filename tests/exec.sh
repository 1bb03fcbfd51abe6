#!/bin/sh
# exec.sh - how prove runs a test: bats files through bats --tap, unit tests directly.
case "$1" in
*.bats) exec bats --tap "$1" ;;
*) exec "$1" ;;
esac
