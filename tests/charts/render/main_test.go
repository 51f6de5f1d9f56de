package main

// The Helm behaviors the chart relies on, pinned down so a change of the
// renderer cannot silently drift from Helm (pkg/engine, pkg/chartutil).

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeChart makes a chart "c" in a temp dir from name -> content.
func writeChart(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "c")
	all := map[string]string{"Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.2.3\nappVersion: \"9.9\"\n"}
	for k, v := range files {
		all[k] = v
	}
	for name, text := range all {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func renderChart(t *testing.T, dir string, o options) (string, error) {
	t.Helper()
	o.chart = dir
	if o.release == "" {
		o.release = "rel"
	}
	if o.namespace == "" {
		o.namespace = "ns"
	}
	if o.kubeVersion == "" {
		o.kubeVersion = "v1.30.0"
	}
	return run(o)
}

func mustRender(t *testing.T, dir string, o options) string {
	t.Helper()
	out, err := renderChart(t, dir, o)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	return out
}

func TestValuesCoalesceLikeHelm(t *testing.T) {
	dir := writeChart(t, map[string]string{
		"values.yaml":        "a: 1\nm:\n  x: 1\n  y: 2\nl: [1, 2]\n",
		"templates/out.yaml": "v: {{ toJson .Values }}\n",
	})
	user := filepath.Join(t.TempDir(), "u.yaml")
	user2 := filepath.Join(t.TempDir(), "u2.yaml")
	os.WriteFile(user, []byte("m:\n  y: null\n  z: 3\nl: [9]\n"), 0o644)
	os.WriteFile(user2, []byte("m:\n  z: 4\n"), 0o644)
	out := mustRender(t, dir, options{valueFiles: stringList{user, user2}})
	// User null deletes the default; lists replace; later -f files win.
	want := `v: {"a":1,"l":[9],"m":{"x":1,"z":4}}`
	if !strings.Contains(out, want) {
		t.Errorf("got %q, want it to contain %q", out, want)
	}
}

func TestNumbersAreFloat64AsInHelm(t *testing.T) {
	dir := writeChart(t, map[string]string{
		"values.yaml":        "big: 1000000\nsmall: 8080\n",
		"templates/out.yaml": "big: {{ .Values.big }}\nsmall: {{ .Values.small }}\nint: {{ int .Values.big }}\n",
	})
	out := mustRender(t, dir, options{})
	for _, want := range []string{"big: 1e+06", "small: 8080", "int: 1000000"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in %q", want, out)
		}
	}
}

func TestToYamlSortsKeysAndTrimsNewline(t *testing.T) {
	dir := writeChart(t, map[string]string{
		"values.yaml":        "r:\n  z: 1\n  a:\n    - x1\n    - x2\n",
		"templates/out.yaml": "r:\n  {{- toYaml .Values.r | nindent 2 }}\nend: 1\n",
	})
	out := mustRender(t, dir, options{})
	want := "r:\n  a:\n  - x1\n  - x2\n  z: 1\nend: 1"
	if !strings.Contains(out, want) {
		t.Errorf("got %q, want %q", out, want)
	}
}

func TestRequiredFailsWithHelmsMessage(t *testing.T) {
	dir := writeChart(t, map[string]string{
		"values.yaml":        "name: \"\"\n",
		"templates/out.yaml": "n: {{ required \"name is required\" .Values.name }}\n",
	})
	_, err := renderChart(t, dir, options{})
	want := "execution error at (c/templates/out.yaml:1:6): name is required"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

func TestMissingKeysRenderEmpty(t *testing.T) {
	// (.Values.absent.key is an error, "nil pointer evaluating", as in Helm.)
	dir := writeChart(t, map[string]string{
		"values.yaml":        "m: {}\n",
		"templates/out.yaml": "a: \"{{ .Values.m.absent }}\"\nb: \"{{ .Values.none }}\"\n",
	})
	out := mustRender(t, dir, options{})
	if strings.Contains(out, "<no value>") || !strings.Contains(out, "a: \"\"\nb: \"\"") {
		t.Errorf("got %q", out)
	}
}

func TestIncludeTplFilesCapabilitiesPartialsNotes(t *testing.T) {
	dir := writeChart(t, map[string]string{
		"values.yaml":         "greeting: \"hello {{ .Release.Name }}\"\n",
		"files/data.txt":      "from a file\n",
		"templates/_h.tpl":    "{{- define \"c.labels\" -}}\napp: {{ .Chart.Name }}\nv: {{ .Chart.AppVersion | quote }}\n{{- end }}\n",
		"templates/NOTES.txt": "notes for {{ .Release.Name }}\n",
		"templates/out.yaml": "metadata:\n  labels:\n    {{- include \"c.labels\" . | nindent 4 }}\n" +
			"greeting: {{ tpl .Values.greeting . }}\n" +
			"file: {{ .Files.Get \"files/data.txt\" | trim }}\n" +
			"apps: {{ .Capabilities.APIVersions.Has \"apps/v1\" }}\n" +
			"mon: {{ .Capabilities.APIVersions.Has \"monitoring.coreos.com/v1\" }}\n" +
			"kube: {{ .Capabilities.KubeVersion.Version }} {{ .Capabilities.KubeVersion.Minor }}\n" +
			"ns: {{ .Release.Namespace }} {{ .Release.Service }} {{ .Template.Name }}\n",
	})
	out := mustRender(t, dir, options{apiVersions: stringList{"monitoring.coreos.com/v1"}, kubeVersion: "v1.29.4"})
	for _, want := range []string{
		"metadata:\n  labels:\n    app: c\n    v: \"9.9\"\n", "greeting: hello rel", "file: from a file",
		"apps: true", "mon: true", "kube: v1.29.4 29", "ns: ns Helm c/templates/out.yaml",
		"# Source: c/templates/out.yaml",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "_h.tpl") || strings.Contains(out, "notes for") {
		t.Errorf("partials and NOTES.txt must not be rendered as manifests:\n%s", out)
	}
	notes := filepath.Join(t.TempDir(), "NOTES.txt")
	mustRender(t, dir, options{notesOut: notes})
	if b, _ := os.ReadFile(notes); string(b) != "notes for rel\n" {
		t.Errorf("NOTES.txt rendered as %q", b)
	}
}

func TestEnvIsNotAvailable(t *testing.T) {
	dir := writeChart(t, map[string]string{"templates/out.yaml": "h: {{ env \"HOME\" }}\n"})
	if _, err := renderChart(t, dir, options{}); err == nil || !strings.Contains(err.Error(), `function "env" not defined`) {
		t.Errorf("got %v, want an error about env", err)
	}
}

func TestKubeVersionConstraint(t *testing.T) {
	dir := writeChart(t, map[string]string{
		"Chart.yaml":         "apiVersion: v2\nname: c\nversion: 0.1.0\nkubeVersion: \">=1.27.0-0\"\n",
		"templates/out.yaml": "a: 1\n",
	})
	if _, err := renderChart(t, dir, options{kubeVersion: "v1.26.3"}); err == nil ||
		!strings.Contains(err.Error(), "incompatible with Kubernetes v1.26.3") {
		t.Errorf("got %v", err)
	}
	mustRender(t, dir, options{kubeVersion: "v1.27.1"})
}

func TestInvalidYamlOutputFails(t *testing.T) {
	dir := writeChart(t, map[string]string{"templates/out.yaml": "a: [1\n"})
	if _, err := renderChart(t, dir, options{}); err == nil || !strings.Contains(err.Error(), "YAML parse error on c/templates/out.yaml") {
		t.Errorf("got %v", err)
	}
}

func TestChartYamlMustBeV2(t *testing.T) {
	dir := writeChart(t, map[string]string{"Chart.yaml": "apiVersion: v1\nname: c\nversion: 0.1.0\n"})
	if _, err := renderChart(t, dir, options{}); err == nil || !strings.Contains(err.Error(), "apiVersion must be v2") {
		t.Errorf("got %v", err)
	}
}
