#!/usr/bin/env bash
# Tests that need tools outside CTest (spectral lint of the OpenAPI document, etc.).
set -euo pipefail
echo "test-extra: nothing yet"
