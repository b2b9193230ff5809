//go:build tools
package tools

import _ "github.com/goccy/bigquery-emulator/cmd/bigquery-emulator"
