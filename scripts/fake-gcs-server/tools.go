//go:build tools

// Pins fsouza/fake-gcs-server, the independent Cloud Storage emulator the GCS history store is tested against.
package tools

import _ "github.com/fsouza/fake-gcs-server"
