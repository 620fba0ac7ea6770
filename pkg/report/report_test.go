package report

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/portmatrix/portmatrix/pkg/internal/snapshot"
	"github.com/stretchr/testify/assert"
)

// started is fixed so golden files are stable.
var started = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	snapshot.Check(t, filepath.Join("testdata", name), string(got))
}

func newReport(jobs []Job) *Report {
	r := &Report{
		SchemaVersion: SchemaVersion,
		Tool:          "portmatrix v0.1.0",
		GoVersion:     "go1.26.8",
		Host:          "linux/amd64",
		Manifest:      "portmatrix.yaml",
		Started:       started,
		DurationSec:   14.23,
		Jobs:          jobs,
	}
	r.Summary = Summarize(jobs)
	return r
}

// mixedJobs covers every status in one build.
func mixedJobs() []Job {
	logTail := make([]string, 12)
	for i := range logTail {
		logTail[i] = "# line " + string(rune('a'+i))
	}
	logTail[11] = "cgo: C compiler \"arm-linux-gnueabihf-gcc\" not found: exec: \"arm-linux-gnueabihf-gcc\": executable file not found in $PATH"
	return []Job{
		{
			ID: "app/linux/amd64/static", Build: "app", Target: "linux/amd64", GOOS: "linux", GOARCH: "amd64",
			Variant: "static", Status: StatusOK, Output: "dist/app/linux_amd64_static/app", Format: "elf",
			Linkage: "static", LinkageRule: "no PT_INTERP, no DT_NEEDED", Expect: "static",
			Size: 2_202_009, DurationSec: 1.234,
		},
		{
			ID: "app/linux/amd64/cgo", Build: "app", Target: "linux/amd64", GOOS: "linux", GOARCH: "amd64",
			Variant: "cgo", Cgo: true, Linkmode: "external", Status: StatusOK, Output: "dist/app/linux_amd64_cgo/app",
			Format: "elf", Linkage: "dynamic", Interpreter: "/lib64/ld-linux-x86-64.so.2",
			Needed: []string{"libc.so.6", "libpthread.so.0", "libfoo.so.1"}, Expect: "dynamic",
			Size: 2_404_000, DurationSec: 3.01,
			Libc: "glibc", MaxGlibc: "2.34", GlibcSymbols: []string{"__libc_start_main"}, ThirdParty: []string{"libfoo.so.1"},
		},
		{
			ID: "app/linux/arm64/pie", Build: "app", Target: "linux/arm64", GOOS: "linux", GOARCH: "arm64",
			Variant: "pie", Status: StatusOK, Output: "dist/app/linux_arm64_pie/app", Format: "elf",
			Linkage: "static-pie", Expect: "static-pie", Size: 2_600_000, DurationSec: 2.05,
		},
		{
			ID: "app/darwin/arm64/default", Build: "app", Target: "darwin/arm64", GOOS: "darwin", GOARCH: "arm64",
			Variant: "default", Status: StatusViolated, Output: "dist/app/darwin_arm64_default/app", Format: "macho",
			Linkage: "dynamic", Interpreter: "/usr/lib/dyld",
			Needed: []string{
				"/usr/lib/libSystem.B.dylib",
				"/System/Library/Frameworks/CoreFoundation.framework/Versions/A/CoreFoundation",
				"/usr/lib/libresolv.9.dylib",
			},
			Expect: "static",
			Violations: []string{
				"expected static, got dynamic",
				"needs libSystem.B.dylib, not in allow-list",
			},
			Size: 2_150_000, DurationSec: 1.9,
		},
		{
			ID: "app/linux/arm/v7/cgo", Build: "app", Target: "linux/arm/v7", GOOS: "linux", GOARCH: "arm", Level: "v7",
			Variant: "cgo", Cgo: true, Status: StatusFailed, Output: "dist/app/linux_arm_v7_cgo/app", Expect: "dynamic",
			DurationSec: 0.52, Error: "go build: exit status 1", LogTail: logTail,
			LogFile: "dist/logs/app_linux_arm_v7_cgo.log",
		},
		{
			ID: "app/windows/amd64/default", Build: "app", Target: "windows/amd64", GOOS: "windows", GOARCH: "amd64",
			Variant: "default", Status: StatusTimeout, Output: "dist/app/windows_amd64_default/app.exe", Expect: "any",
			DurationSec: 300, Error: "killed after 5m0s",
		},
		{
			ID: "app/freebsd/amd64/default", Build: "app", Target: "freebsd/amd64", GOOS: "freebsd", GOARCH: "amd64",
			Variant: "default", Status: StatusCancelled, Output: "dist/app/freebsd_amd64_default/app", Expect: "static",
			DurationSec: 0.4,
		},
		{
			ID: "app/plan9/386/default", Build: "app", Target: "plan9/386", GOOS: "plan9", GOARCH: "386",
			Variant: "default", Status: StatusSkipped, Output: "dist/app/plan9_386_default/app", Expect: "static",
		},
	}
}

// multiJobs has two builds, all ok.
func multiJobs() []Job {
	return []Job{
		{
			ID: "server/linux/amd64/static", Build: "server", Target: "linux/amd64", GOOS: "linux", GOARCH: "amd64",
			Variant: "static", Status: StatusOK, Output: "dist/server/linux_amd64_static/server", Format: "elf",
			Linkage: "static", Expect: "static", Size: 9_800_000, DurationSec: 4.5,
		},
		{
			ID: "server/windows/amd64/static", Build: "server", Target: "windows/amd64", GOOS: "windows", GOARCH: "amd64",
			Variant: "static", Status: StatusOK, Output: "dist/server/windows_amd64_static/server.exe", Format: "pe",
			Linkage: "dynamic", Needed: []string{"kernel32.dll", "ws2_32.dll"}, Expect: "any",
			Size: 10_100_000, DurationSec: 5.25,
		},
		{
			ID: "cli/linux/amd64/v3/static", Build: "cli", Target: "linux/amd64/v3", GOOS: "linux", GOARCH: "amd64",
			Level: "v3", Variant: "static", Status: StatusOK, Output: "dist/cli/linux_amd64_v3_static/cli",
			Format: "elf", Linkage: "static", Expect: "static", Size: 900, DurationSec: 0.8,
		},
	}
}

func TestSummarize(t *testing.T) {
	tests := []struct {
		name string
		jobs []Job
		want Summary
	}{
		{name: "empty", jobs: nil, want: Summary{}},
		{
			name: "mixed",
			jobs: mixedJobs(),
			want: Summary{
				Total: 8, OK: 3, Violated: 1, Failed: 1, Cancelled: 1, Timeout: 1, Skipped: 1,
				Static: 1, StaticPIE: 1, Dynamic: 2,
			},
		},
		{
			name: "linkage only counted for built jobs",
			jobs: []Job{
				{Status: StatusFailed, Linkage: "dynamic"},
				{Status: StatusCancelled, Linkage: "static"},
				{Status: StatusViolated, Linkage: "static-pie"},
				{Status: StatusOK, Linkage: "shared-library"},
				{Status: StatusOK, Linkage: "unknown"},
			},
			want: Summary{Total: 5, OK: 2, Violated: 1, Failed: 1, Cancelled: 1, StaticPIE: 1},
		},
		{
			name: "unknown status only counts towards total",
			jobs: []Job{{Status: "weird", Linkage: "static"}, {Status: StatusOK, Linkage: "static"}},
			want: Summary{Total: 2, OK: 1, Static: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Summarize(tt.jobs))
		})
	}
}

func TestFailed(t *testing.T) {
	tests := []struct {
		name     string
		statuses []Status
		want     bool
	}{
		{name: "no jobs", statuses: nil, want: false},
		{name: "all ok", statuses: []Status{StatusOK, StatusOK}, want: false},
		{name: "violated", statuses: []Status{StatusOK, StatusViolated}, want: true},
		{name: "failed", statuses: []Status{StatusFailed, StatusOK}, want: true},
		{name: "cancelled", statuses: []Status{StatusOK, StatusCancelled}, want: true},
		{name: "timeout", statuses: []Status{StatusTimeout}, want: true},
		{name: "skipped", statuses: []Status{StatusOK, StatusSkipped}, want: true},
		{name: "unknown status", statuses: []Status{""}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var jobs []Job
			for _, s := range tt.statuses {
				jobs = append(jobs, Job{Status: s})
			}
			r := newReport(jobs)
			assert.Equal(t, tt.want, r.Failed())
		})
	}
}

func TestWritersRejectNilReport(t *testing.T) {
	var b bytes.Buffer
	assert.ErrorIs(t, WriteTable(&b, nil, TableOptions{}), errNilReport)
	assert.ErrorIs(t, WriteJSON(&b, nil), errNilReport)
	assert.ErrorIs(t, WriteMarkdown(&b, nil), errNilReport)
	assert.Zero(t, b.Len())
}
