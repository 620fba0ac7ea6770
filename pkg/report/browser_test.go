package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portmatrix/portmatrix/pkg/internal/needtool"
	"github.com/portmatrix/portmatrix/pkg/internal/snapshot"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The browser tests render WriteHTML's page in a real headless Chromium, so
// what is checked is what a reader sees: the colours the browser computed,
// not the CSS text. With -update the screenshot is also written to
// testdata/report.png for review.

// probeScript is appended to a copy of the page. It runs when the parser
// reaches it, after every element and the inline style sheet before it
// (so nothing is missing yet, and --dump-dom cannot race a load handler),
// and writes what the browser computed as JSON into <pre id="probe">.
const probeScript = `<script>
(function () {
  var out = {cells: [], legend: [], details: []};
  document.querySelectorAll('table.grid .cell').forEach(function (c) {
    var label = c.querySelector('.label'), s = getComputedStyle(c), box = c.getBoundingClientRect();
    out.cells.push({target: c.dataset.target, class: c.dataset.class, job: c.dataset.job,
      label: label ? label.textContent : '', bg: s.backgroundColor, fg: s.color,
      width: box.width, height: box.height});
  });
  document.querySelectorAll('.legend .swatch').forEach(function (s) {
    out.legend.push({class: s.dataset.class, bg: getComputedStyle(s).backgroundColor});
  });
  document.querySelectorAll('details.job').forEach(function (d) {
    out.details.push({id: d.id, open: d.open});
  });
  var pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
`

// probe is what probeScript reports.
type probe struct {
	Cells []struct {
		Target, Class, Job, Label string
		BG, FG                    string
		Width, Height             float64
	}
	Legend []struct{ Class, BG string }
	// Details are the <details> elements in page order.
	Details []struct {
		ID   string
		Open bool
	}
}

var probeRE = regexp.MustCompile(`(?s)<pre id="probe">(.*?)</pre>`)

func TestHTMLInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a headless browser; skipped under -short")
	}
	browser := needtool.Path(t, "apt-get install chromium", "chromium", "chromium-browser")
	// The showcase of a build, plus one library row of `portmatrix check`,
	// so that every class is on the page.
	r := newReport(append(showcaseJobs(), Job{ID: "lib/netbsd/arm64", Target: "netbsd/arm64", GOOS: "netbsd", GOARCH: "arm64",
		Package: "example.com/lib/...", Status: StatusOK}))
	var page bytes.Buffer
	require.NoError(t, WriteHTML(&page, r))
	dir := t.TempDir()

	t.Run("computed colours and labels", func(t *testing.T) {
		probed := strings.Replace(page.String(), "</body>", probeScript+"</body>", 1)
		require.NotEqual(t, page.String(), probed, "no </body> to append the probe to")
		file := filepath.Join(dir, "probe.html")
		require.NoError(t, os.WriteFile(file, []byte(probed), 0o644))

		dom := runChromium(t, browser, "--dump-dom", fileURL(file))
		m := probeRE.FindSubmatch(dom)
		require.NotNil(t, m, "no probe output in the DOM:\n%.2000s", dom)
		var got probe
		require.NoError(t, json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &got))

		// The legend: every class, each in the colour classStyles gives
		// it, and no two alike.
		legend := map[string]string{}
		for _, l := range got.Legend {
			assert.NotContains(t, legend, l.Class, "class %s twice in the legend", l.Class)
			for class, bg := range legend {
				assert.NotEqual(t, bg, l.BG, "classes %s and %s look alike", class, l.Class)
			}
			legend[l.Class] = l.BG
		}
		for _, c := range Classes() {
			require.Contains(t, legend, string(c))
			assert.Equal(t, cssRGB(t, c.Color()), legend[string(c)], "legend colour of %s", c)
		}

		// Every cell has the colour the legend gives its class, is
		// rendered, and its text is readable on it (WCAG AA, 4.5:1).
		grid := NewGrid(r.Jobs)
		want := map[string][]string{} // target -> "class label" in order
		for _, row := range grid.Cells {
			for _, c := range row {
				for _, e := range c.Entries {
					want[c.Target] = append(want[c.Target], string(e.Class)+" "+e.Label)
				}
			}
		}
		gotCells := map[string][]string{}
		classes := map[string]bool{}
		for _, c := range got.Cells {
			assert.Equal(t, legend[c.Class], c.BG, "cell %s (%s)", c.Job, c.Class)
			assert.Positive(t, c.Width, "cell %s not rendered", c.Job)
			assert.Positive(t, c.Height, "cell %s not rendered", c.Job)
			assert.GreaterOrEqual(t, contrast(t, c.FG, c.BG), 4.5, "text of %s (%s on %s)", c.Job, c.FG, c.BG)
			gotCells[c.Target] = append(gotCells[c.Target], c.Class+" "+c.Label)
			classes[c.Class] = true
		}
		assert.Equal(t, want, gotCells)
		assert.Equal(t, []string{"static amd64 default", "dynamic-third-party amd64 cgo", "static v3 default"},
			gotCells["linux/amd64"], "variants and levels share the linux/amd64 cell")
		assert.Len(t, classes, len(Classes()), "the page must show every class")

		require.Len(t, got.Details, len(r.Jobs))
		for i, d := range got.Details {
			assert.Equal(t, jobAnchor(i), d.ID)
		}
	})

	t.Run("screenshot", func(t *testing.T) {
		file := filepath.Join(dir, "report.html")
		require.NoError(t, os.WriteFile(file, page.Bytes(), 0o644))
		shot := filepath.Join(t.TempDir(), "report.png")
		runChromium(t, browser, "--screenshot="+shot, "--window-size=1280,2000", fileURL(file))

		data, err := os.ReadFile(shot)
		require.NoError(t, err)
		img, err := png.Decode(bytes.NewReader(data))
		require.NoError(t, err, "screenshot is not a PNG")
		assert.Equal(t, 1280, img.Bounds().Dx())
		assert.Equal(t, 2000, img.Bounds().Dy())
		// The grid's colours are on screen, not only in the DOM.
		seen := pixelColours(img)
		for _, c := range Classes() {
			assert.True(t, seen[hexRGB(t, c.Color())], "no %s pixel (%s) in the screenshot", c, c.Color())
		}
		if snapshot.Updating() {
			require.NoError(t, os.WriteFile(filepath.Join("testdata", "report.png"), data, 0o644))
		}
	})
}

// runChromium runs the headless browser with its own profile, giving up
// after a minute, and returns its standard output.
func runChromium(t *testing.T, browser string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := []string{
		"--headless=new", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + t.TempDir(),
		"--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-dev-shm-usage",
		"--hide-scrollbars", "--mute-audio", "--force-color-profile=srgb", "--force-device-scale-factor=1",
	}
	cmd := exec.CommandContext(ctx, browser, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Chromium's helper processes may hold the pipes after a kill.
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	require.NoError(t, err, "%s %s (context: %v)\nstderr:\n%s", browser, strings.Join(args, " "), ctx.Err(), lastLines(stderr.String(), 20))
	return stdout.Bytes()
}

func fileURL(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		panic(err)
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(len(lines)-n, 0):], "\n")
}

// hexRGB parses "#rrggbb".
func hexRGB(t *testing.T, hex string) color.RGBA {
	t.Helper()
	v, err := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	require.NoError(t, err, hex)
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}
}

// cssRGB is how getComputedStyle writes the colour "#rrggbb".
func cssRGB(t *testing.T, hex string) string {
	c := hexRGB(t, hex)
	return fmt.Sprintf("rgb(%d, %d, %d)", c.R, c.G, c.B)
}

var rgbRE = regexp.MustCompile(`^rgb\((\d+), (\d+), (\d+)\)$`)

// parseCSSRGB parses a computed "rgb(r, g, b)".
func parseCSSRGB(t *testing.T, s string) [3]float64 {
	t.Helper()
	m := rgbRE.FindStringSubmatch(s)
	require.NotNil(t, m, "not an opaque computed colour: %q", s)
	var out [3]float64
	for i := range out {
		v, _ := strconv.Atoi(m[i+1])
		out[i] = float64(v)
	}
	return out
}

// contrast is the WCAG 2 contrast ratio of two computed colours.
func contrast(t *testing.T, a, b string) float64 {
	t.Helper()
	lum := func(c [3]float64) float64 {
		var l [3]float64
		for i, v := range c {
			v /= 255
			if v <= 0.04045 {
				l[i] = v / 12.92
			} else {
				l[i] = math.Pow((v+0.055)/1.055, 2.4)
			}
		}
		return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
	}
	la, lb := lum(parseCSSRGB(t, a)), lum(parseCSSRGB(t, b))
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// pixelColours returns the set of opaque colours in img.
func pixelColours(img image.Image) map[color.RGBA]bool {
	seen := map[color.RGBA]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			if a == 0xffff {
				seen[color.RGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(bl >> 8), A: 0xff}] = true
			}
		}
	}
	return seen
}
