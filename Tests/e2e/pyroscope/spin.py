#!/usr/bin/env python3
"""Three seconds of CPU in hot_loop, for py-spy to record (Tests/e2e/pyroscope.sh)."""
import hashlib, time
def hot_loop():
    d = b"x"
    end = time.time() + 3
    while time.time() < end:
        d = hashlib.sha256(d).digest()
def main():
    hot_loop()
main()
