// render: renders a Helm chart the way `helm template` does, without helm.
//
// The helm binary is not available in CI, so this program reproduces the
// parts of Helm's template engine that charts/county-hub relies on, from
// Helm's documented semantics (pkg/engine, pkg/chartutil):
//
//   - Go text/template with sprig's TxtFuncMap minus env and expandenv, plus
//     Helm's include, tpl, required, toYaml, fromYaml, fromYamlArray, toJson,
//     fromJson, fromJsonArray (lookup and toToml are not provided: a chart
//     using them fails to parse here);
//   - every file of templates/ parsed into one template set named
//     "<chart>/templates/<file>", partials (files starting with "_") not
//     rendered, NOTES.txt not rendered; missingkey=zero and "<no value>"
//     removed from the output;
//   - .Values: the chart's values.yaml coalesced with the -f files (merged in
//     order, later wins; a null in a -f file deletes the chart's key);
//     numbers are float64 as in Helm (values go through JSON);
//   - .Release (Name, Namespace, Service "Helm", IsInstall, IsUpgrade,
//     Revision), .Chart (Chart.yaml, apiVersion v2 only), .Capabilities
//     (KubeVersion, APIVersions.Has), .Files (Get, GetBytes, Lines, Glob-free),
//     .Template (Name, BasePath);
//   - the chart's kubeVersion constraint checked against --kube-version;
//   - each rendered manifest must parse as YAML (helm template fails otherwise).
//
// Output: a multi-document YAML stream on stdout, one "# Source:" comment per
// template, like helm template. Errors go to stderr as "Error: ..." with exit
// status 1; a bad command line exits 2.
//
//	render --chart DIR [-f FILE]... [--release NAME] [--namespace NS]
//	       [--kube-version v1.30.0] [--api-versions GROUP/VERSION]...
//	       [--values-out FILE] [--notes-out FILE]
//
// --values-out writes the coalesced values as JSON (before rendering), so the
// caller can check them against the chart's values.schema.json as Helm does.
// --notes-out also renders templates/NOTES.txt into FILE (helm install shows it).
//
// Build (offline, GOPATH mode, Debian's golang-github-masterminds-sprig-dev):
//
//	GO111MODULE=off GOFLAGS= GOPATH=$PWD/gopath:/usr/share/gocode go build
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/semver"
	"github.com/Masterminds/sprig"
	yaml "gopkg.in/yaml.v2"
)

// ---------------------------------------------------------------- YAML/JSON

// jsonify converts what yaml.v2 decodes (map[interface{}]interface{}, ints)
// into what Helm's sigs.k8s.io/yaml yields: JSON types only
// (map[string]interface{}, []interface{}, float64, string, bool, nil).
func jsonify(v interface{}) (interface{}, error) {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		m := make(map[string]interface{}, len(t))
		for k, val := range t {
			c, err := jsonify(val)
			if err != nil {
				return nil, err
			}
			m[fmt.Sprint(k)] = c
		}
		return m, nil
	case []interface{}:
		out := make([]interface{}, len(t))
		for i, val := range t {
			c, err := jsonify(val)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	}
	// Scalars: a JSON round trip turns every number into float64.
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out interface{}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// yamlToJSONValue parses one YAML document with Helm's (YAML -> JSON) semantics.
func yamlToJSONValue(data []byte) (interface{}, error) {
	var raw interface{}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	return jsonify(raw)
}

// readValuesFile reads a values file into a map; an empty file is an empty map.
func readValuesFile(file string) (map[string]interface{}, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	v, err := yamlToJSONValue(data)
	if err != nil {
		return nil, fmt.Errorf("failed to parse %s: %v", file, err)
	}
	if v == nil {
		return map[string]interface{}{}, nil
	}
	m, ok := v.(map[string]interface{})
	if !ok {
		return nil, fmt.Errorf("failed to parse %s: the top level must be a map of values", file)
	}
	return m, nil
}

// toYAML is Helm's toYaml: JSON marshal, then YAML (sorted keys, sequences
// not indented), trailing newline trimmed; errors give "".
func toYAML(v interface{}) string {
	j, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	var generic interface{}
	if err := yaml.Unmarshal(j, &generic); err != nil {
		return ""
	}
	out, err := yaml.Marshal(generic)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(out), "\n")
}

func fromYAML(s string) map[string]interface{} {
	m := map[string]interface{}{}
	v, err := yamlToJSONValue([]byte(s))
	if err != nil {
		m["Error"] = err.Error()
		return m
	}
	if mm, ok := v.(map[string]interface{}); ok {
		return mm
	}
	if v != nil {
		m["Error"] = "the YAML document is not a map"
	}
	return m
}

func fromYAMLArray(s string) []interface{} {
	v, err := yamlToJSONValue([]byte(s))
	if err != nil {
		return []interface{}{err.Error()}
	}
	if a, ok := v.([]interface{}); ok {
		return a
	}
	return []interface{}{"the YAML document is not a list"}
}

func toJSON(v interface{}) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

func fromJSON(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromJSONArray(s string) []interface{} {
	var a []interface{}
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		return []interface{}{err.Error()}
	}
	return a
}

// ------------------------------------------------------------------- values

// mergeMaps merges b into a copy of a, recursing into maps; b wins (Helm's
// merge of several -f files).
func mergeMaps(a, b map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if vm, ok := v.(map[string]interface{}); ok {
			if om, ok := out[k].(map[string]interface{}); ok {
				out[k] = mergeMaps(om, vm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// coalesce lays the chart's defaults under the user's values: user values
// win, maps are merged key by key, and a user null deletes the key.
func coalesce(user, defaults map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(user)+len(defaults))
	for k, v := range user {
		out[k] = v
	}
	for k, dv := range defaults {
		uv, present := out[k]
		if !present {
			out[k] = deepCopy(dv)
			continue
		}
		if uv == nil {
			delete(out, k)
			continue
		}
		um, uok := uv.(map[string]interface{})
		dm, dok := dv.(map[string]interface{})
		if uok && dok {
			out[k] = coalesce(um, dm)
		}
	}
	// Nulls the user set for keys the chart does not have are dropped too.
	for k, v := range out {
		if v == nil {
			delete(out, k)
		}
	}
	return out
}

func deepCopy(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		m := make(map[string]interface{}, len(t))
		for k, val := range t {
			m[k] = deepCopy(val)
		}
		return m
	case []interface{}:
		a := make([]interface{}, len(t))
		for i, val := range t {
			a[i] = deepCopy(val)
		}
		return a
	}
	return v
}

// -------------------------------------------------------------- chart parts

// ChartMetadata mirrors the Chart.yaml fields templates read as .Chart.X.
type ChartMetadata struct {
	APIVersion   string            `yaml:"apiVersion"`
	Name         string            `yaml:"name"`
	Version      string            `yaml:"version"`
	AppVersion   string            `yaml:"appVersion"`
	Description  string            `yaml:"description"`
	Type         string            `yaml:"type"`
	KubeVersion  string            `yaml:"kubeVersion"`
	Home         string            `yaml:"home"`
	Icon         string            `yaml:"icon"`
	Sources      []string          `yaml:"sources"`
	Keywords     []string          `yaml:"keywords"`
	Annotations  map[string]string `yaml:"annotations"`
	Deprecated   bool              `yaml:"deprecated"`
	Maintainers  []Maintainer      `yaml:"maintainers"`
	Dependencies []interface{}     `yaml:"dependencies"`
}

// Maintainer is one Chart.yaml maintainer.
type Maintainer struct {
	Name  string `yaml:"name"`
	Email string `yaml:"email"`
	URL   string `yaml:"url"`
}

// Files gives templates the chart's non-template files (.Files.Get).
type Files map[string][]byte

// Get returns a file's text, "" when the chart has no such file.
func (f Files) Get(name string) string { return string(f[name]) }

// GetBytes returns a file's bytes, nil when absent.
func (f Files) GetBytes(name string) []byte { return f[name] }

// Lines returns a file's lines.
func (f Files) Lines(name string) []string {
	if len(f[name]) == 0 {
		return []string{}
	}
	return strings.Split(strings.TrimSuffix(string(f[name]), "\n"), "\n")
}

// KubeVersion is .Capabilities.KubeVersion.
type KubeVersion struct {
	Version    string
	Major      string
	Minor      string
	GitVersion string
}

// String returns the version, e.g. "v1.30.0".
func (k KubeVersion) String() string { return k.Version }

// VersionSet is .Capabilities.APIVersions.
type VersionSet []string

// Has tells whether an API version ("apps/v1") or resource
// ("apps/v1/StatefulSet") is available.
func (s VersionSet) Has(v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Capabilities is .Capabilities.
type Capabilities struct {
	KubeVersion KubeVersion
	APIVersions VersionSet
	HelmVersion map[string]string
}

// The built-in API versions of a Kubernetes cluster that this chart may ask
// about (a subset of Helm's default set for `helm template`).
var builtinAPIVersions = []string{
	"v1", "apps/v1", "batch/v1", "policy/v1", "networking.k8s.io/v1",
	"autoscaling/v2", "rbac.authorization.k8s.io/v1", "storage.k8s.io/v1",
	"coordination.k8s.io/v1", "discovery.k8s.io/v1", "scheduling.k8s.io/v1",
}

type chartDir struct {
	meta      ChartMetadata
	values    map[string]interface{}
	templates map[string]string // "<chart>/templates/<file>" -> text
	files     Files
}

var ignoredDirs = map[string]bool{".git": true}

func loadChart(dir string) (*chartDir, error) {
	c := &chartDir{templates: map[string]string{}, files: Files{}}
	raw, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return nil, fmt.Errorf("Chart.yaml file is missing: %v", err)
	}
	if err := yaml.UnmarshalStrict(raw, &c.meta); err != nil {
		return nil, fmt.Errorf("cannot load Chart.yaml: %v", err)
	}
	switch {
	case c.meta.APIVersion != "v2":
		return nil, fmt.Errorf("Chart.yaml: apiVersion must be v2, got %q", c.meta.APIVersion)
	case c.meta.Name == "":
		return nil, errors.New("Chart.yaml: name is required")
	case c.meta.Version == "":
		return nil, errors.New("Chart.yaml: version is required")
	case len(c.meta.Dependencies) > 0:
		return nil, errors.New("Chart.yaml: dependencies are not supported by this renderer")
	}
	if _, err := semver.NewVersion(c.meta.Version); err != nil {
		return nil, fmt.Errorf("Chart.yaml: version %q is not a SemVer 2 version", c.meta.Version)
	}
	if c.meta.Type != "" && c.meta.Type != "application" {
		return nil, fmt.Errorf("Chart.yaml: type %q is not supported (application only)", c.meta.Type)
	}
	c.values = map[string]interface{}{}
	if _, err := os.Stat(filepath.Join(dir, "values.yaml")); err == nil {
		if c.values, err = readValuesFile(filepath.Join(dir, "values.yaml")); err != nil {
			return nil, err
		}
	}
	err = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if info.IsDir() {
			if ignoredDirs[info.Name()] || rel == "charts" {
				return filepath.SkipDir
			}
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(rel, "templates/"):
			c.templates[path.Join(c.meta.Name, rel)] = string(data)
		case rel == "Chart.yaml" || rel == "values.yaml" || rel == "values.schema.json" ||
			rel == ".helmignore":
		default:
			c.files[rel] = data
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// ------------------------------------------------------------------- engine

const (
	warnStart = "HELM_ERR_START"
	warnEnd   = "HELM_ERR_END"
)

var warnRegex = regexp.MustCompile(warnStart + `(.*)` + warnEnd)

type engine struct {
	tmpl     *template.Template
	included map[string]int
}

func (e *engine) funcMap() template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	f["toYaml"] = toYAML
	f["fromYaml"] = fromYAML
	f["fromYamlArray"] = fromYAMLArray
	f["toJson"] = toJSON
	f["fromJson"] = fromJSON
	f["fromJsonArray"] = fromJSONArray
	f["include"] = func(name string, data interface{}) (string, error) {
		if e.included[name] > 1000 {
			return "", fmt.Errorf("rendering template has a nested reference name: %s", name)
		}
		e.included[name]++
		defer func() { e.included[name]-- }()
		var buf strings.Builder
		err := e.tmpl.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
	f["tpl"] = func(text string, vals map[string]interface{}) (string, error) {
		clone, err := e.tmpl.Clone()
		if err != nil {
			return "", err
		}
		t, err := clone.New("tpl").Parse(text)
		if err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %v", text, err)
		}
		var buf strings.Builder
		if err := t.Execute(&buf, vals); err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %v", text, err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	f["required"] = func(warn string, val interface{}) (interface{}, error) {
		if val == nil {
			return val, errors.New(warnStart + warn + warnEnd)
		}
		if s, ok := val.(string); ok && s == "" {
			return val, errors.New(warnStart + warn + warnEnd)
		}
		return val, nil
	}
	return f
}

// cleanupExecError turns text/template's error into Helm's wording:
// "execution error at (<file>:<line>:<col>): <message of required>".
func cleanupExecError(filename string, err error) error {
	var execErr template.ExecError
	if !errors.As(err, &execErr) {
		return err
	}
	tokens := strings.SplitN(err.Error(), ": ", 3)
	if len(tokens) != 3 {
		return fmt.Errorf("execution error in (%s): %s", filename, err)
	}
	if parts := warnRegex.FindStringSubmatch(tokens[2]); len(parts) >= 2 {
		return fmt.Errorf("execution error at (%s): %s", tokens[1], parts[1])
	}
	return err
}

func cleanupParseError(filename string, err error) error {
	tokens := strings.Split(err.Error(), ": ")
	if len(tokens) == 1 {
		return fmt.Errorf("parse error in (%s): %s", filename, err)
	}
	return fmt.Errorf("parse error at (%s): %s", tokens[1], tokens[len(tokens)-1])
}

// sortTemplates orders names as Helm parses them: fewer path segments first,
// then by name.
func sortTemplates(names []string) {
	sort.Slice(names, func(i, j int) bool {
		ci, cj := strings.Count(names[i], "/"), strings.Count(names[j], "/")
		if ci != cj {
			return ci < cj
		}
		return names[i] < names[j]
	})
}

// render executes every template but the partials; NOTES.txt only when
// withNotes (it is not part of the manifests).
func render(c *chartDir, top map[string]interface{}, withNotes bool) ([]string, map[string]string, error) {
	e := &engine{included: map[string]int{}}
	e.tmpl = template.New("gotpl")
	e.tmpl.Option("missingkey=zero")
	e.tmpl.Funcs(e.funcMap())
	names := make([]string, 0, len(c.templates))
	for name := range c.templates {
		names = append(names, name)
	}
	sortTemplates(names)
	for _, name := range names {
		if _, err := e.tmpl.New(name).Parse(c.templates[name]); err != nil {
			return nil, nil, cleanupParseError(name, err)
		}
	}
	rendered := map[string]string{}
	var order []string
	// Output in file order (helm template orders by kind; the set is the same).
	sort.Strings(names)
	for _, name := range names {
		base := path.Base(name)
		if strings.HasPrefix(base, "_") || (base == "NOTES.txt" && !withNotes) {
			continue
		}
		vals := make(map[string]interface{}, len(top)+1)
		for k, v := range top {
			vals[k] = v
		}
		vals["Template"] = map[string]interface{}{
			"Name": name, "BasePath": path.Join(c.meta.Name, "templates"),
		}
		var buf strings.Builder
		if err := e.tmpl.ExecuteTemplate(&buf, name, vals); err != nil {
			return nil, nil, cleanupExecError(name, err)
		}
		rendered[name] = strings.ReplaceAll(buf.String(), "<no value>", "")
		order = append(order, name)
	}
	return order, rendered, nil
}

// splitDocuments splits a rendered file at "---" lines, dropping empty ones.
func splitDocuments(text string) []string {
	var docs []string
	var cur []string
	flush := func() {
		doc := strings.Join(cur, "\n")
		if strings.TrimSpace(stripComments(doc)) != "" {
			docs = append(docs, strings.TrimRight(doc, "\n \t"))
		}
		cur = nil
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimRight(line, " \t") == "---" {
			flush()
			continue
		}
		cur = append(cur, line)
	}
	flush()
	return docs
}

func stripComments(doc string) string {
	var out []string
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// ------------------------------------------------------------------ command

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

type options struct {
	chart, release, namespace, kubeVersion, valuesOut, notesOut string
	valueFiles, apiVersions                                     stringList
}

func usage(problem string) {
	fmt.Fprintf(os.Stderr, "render: %s\nusage: render --chart DIR [-f VALUES]... [--release NAME] "+
		"[--namespace NS] [--kube-version vX.Y.Z] [--api-versions G/V]... [--values-out FILE] "+
		"[--notes-out FILE]\n", problem)
	os.Exit(2)
}

func parseArgs(args []string) options {
	o := options{release: "release-name", namespace: "default", kubeVersion: "v1.30.0"}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		name, value, hasValue := strings.Cut(arg, "=")
		if !hasValue {
			if i+1 >= len(args) {
				usage("flag " + arg + " needs a value")
			}
			i++
			value = args[i]
		}
		switch name {
		case "--chart":
			o.chart = value
		case "-f", "--values":
			o.valueFiles = append(o.valueFiles, value)
		case "--release":
			o.release = value
		case "--namespace", "-n":
			o.namespace = value
		case "--kube-version":
			o.kubeVersion = value
		case "--api-versions", "-a":
			o.apiVersions = append(o.apiVersions, value)
		case "--values-out":
			o.valuesOut = value
		case "--notes-out":
			o.notesOut = value
		default:
			usage("unknown flag " + name)
		}
	}
	if o.chart == "" {
		usage("--chart is required")
	}
	return o
}

// run renders the chart per the options and returns the YAML stream.
func run(o options) (string, error) {
	c, err := loadChart(o.chart)
	if err != nil {
		return "", err
	}
	user := map[string]interface{}{}
	for _, f := range o.valueFiles {
		m, err := readValuesFile(f)
		if err != nil {
			return "", err
		}
		user = mergeMaps(user, m)
	}
	values := coalesce(user, c.values)
	if o.valuesOut != "" {
		b, err := json.MarshalIndent(values, "", "  ")
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(o.valuesOut, append(b, '\n'), 0o644); err != nil {
			return "", err
		}
	}

	kv, err := semver.NewVersion(o.kubeVersion)
	if err != nil {
		return "", fmt.Errorf("--kube-version %q is not a version like v1.30.0", o.kubeVersion)
	}
	if c.meta.KubeVersion != "" {
		constraint, err := semver.NewConstraint(c.meta.KubeVersion)
		if err != nil {
			return "", fmt.Errorf("Chart.yaml: kubeVersion %q is not a valid constraint", c.meta.KubeVersion)
		}
		if !constraint.Check(kv) {
			return "", fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s",
				c.meta.KubeVersion, o.kubeVersion)
		}
	}
	if !strings.HasPrefix(o.kubeVersion, "v") {
		o.kubeVersion = "v" + o.kubeVersion
	}
	apis := append(VersionSet{}, builtinAPIVersions...)
	apis = append(apis, o.apiVersions...)
	top := map[string]interface{}{
		"Values": values,
		"Release": map[string]interface{}{
			"Name": o.release, "Namespace": o.namespace, "Service": "Helm",
			"IsInstall": true, "IsUpgrade": false, "Revision": 1,
		},
		"Chart": c.meta,
		"Files": c.files,
		"Capabilities": Capabilities{
			KubeVersion: KubeVersion{
				Version:    o.kubeVersion,
				Major:      fmt.Sprint(kv.Major()),
				Minor:      fmt.Sprint(kv.Minor()),
				GitVersion: o.kubeVersion,
			},
			APIVersions: apis,
			HelmVersion: map[string]string{"Version": "v3-compatible (tests/charts/render)"},
		},
	}
	order, rendered, err := render(c, top, o.notesOut != "")
	if err != nil {
		return "", err
	}
	var out bytes.Buffer
	for _, name := range order {
		if path.Base(name) == "NOTES.txt" {
			if err := os.WriteFile(o.notesOut, []byte(rendered[name]), 0o644); err != nil {
				return "", err
			}
			continue
		}
		for _, doc := range splitDocuments(rendered[name]) {
			var probe interface{}
			if err := yaml.Unmarshal([]byte(doc), &probe); err != nil {
				return "", fmt.Errorf("YAML parse error on %s: %v", name, err)
			}
			fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", name, strings.TrimLeft(doc, "\n"))
		}
	}
	return out.String(), nil
}

func main() {
	out, err := run(parseArgs(os.Args[1:]))
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		os.Exit(1)
	}
	os.Stdout.WriteString(out)
}
