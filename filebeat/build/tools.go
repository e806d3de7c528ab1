//go:build tools

// Keeps Filebeat's packages in this module's go.sum (go mod tidy); nothing here is built.
package tools

import (
	_ "github.com/elastic/beats/v7/filebeat/cmd"
	_ "github.com/elastic/beats/v7/filebeat/input/default-inputs"
)
