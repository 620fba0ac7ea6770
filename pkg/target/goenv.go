package target

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
)

// GoEnv is what a report records about the Go toolchain that built it.
type GoEnv struct {
	Version string `json:"GOVERSION"`
	HostOS  string `json:"GOHOSTOS"`
	HostArc string `json:"GOHOSTARCH"`
}

// Host is "goos/goarch" of the machine.
func (g GoEnv) Host() string { return g.HostOS + "/" + g.HostArc }

// LoadGoEnv asks the go command for its version and host platform.
func LoadGoEnv(ctx context.Context, goBin string) (GoEnv, error) {
	if goBin == "" {
		goBin = "go"
	}
	out, err := exec.CommandContext(ctx, goBin, "env", "-json", "GOVERSION", "GOHOSTOS", "GOHOSTARCH").Output()
	if err != nil {
		return GoEnv{}, fmt.Errorf("asking %s for its version: %w", goBin, err)
	}
	var g GoEnv
	if err := json.Unmarshal(out, &g); err != nil {
		return GoEnv{}, fmt.Errorf("reading %s env -json: %w", goBin, err)
	}
	return g, nil
}
