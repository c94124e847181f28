#!/usr/bin/env bash
# Quick pre-commit check of the 100-column rule (the tidy test enforces it in npm test).
git ls-files -co --exclude-standard -- '*.ts' | xargs awk 'length > 100 { print FILENAME ":" FNR ": " length }'
