#!/usr/bin/env bash
echo "run-demo: not yet"
