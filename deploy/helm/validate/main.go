// Command validate decodes every object of a rendered Helm chart strictly into the Kubernetes
// API types of one minor version (the k8s.io/api version in go.mod, which must match the
// chart's kubeVersion floor) and the Prometheus Operator's monitoring.coreos.com/v1 types, so
// an unknown or misspelt field, a wrong type or an unknown kind fails. It also checks names and
// labels against Kubernetes' own syntax rules, and, given -rules, that the rendered
// PrometheusRule holds exactly the rule groups of that file (the chart's one source).
//
// Usage: helm template ... | validate [-rules deploy/prometheus/alerts.yml]
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/util/validation"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

func newScheme() *runtime.Scheme {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme, policyv1.AddToScheme,
		autoscalingv2.AddToScheme, networkingv1.AddToScheme, monitoringv1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
	return scheme
}

func main() {
	rulesFile := flag.String("rules", "", "a Prometheus rule file the rendered PrometheusRule must equal")
	flag.Parse()
	objects, err := decodeAll(os.Stdin, newScheme())
	if err == nil && *rulesFile != "" {
		err = compareRules(objects, *rulesFile)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "validate:", err)
		os.Exit(1)
	}
	fmt.Printf("validate: %d objects decoded strictly (%s)\n", len(objects), kinds(objects))
}

// decodeAll reads a multi-document YAML stream and decodes each document strictly.
func decodeAll(r io.Reader, scheme *runtime.Scheme) ([]runtime.Object, error) {
	strict := json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme, scheme,
		json.SerializerOptions{Yaml: true, Strict: true})
	reader := utilyaml.NewYAMLReader(bufio.NewReader(r))
	var objects []runtime.Object
	var problems []string
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		obj, gvk, err := strict.Decode(doc, nil, nil)
		if err != nil {
			what := "document"
			if gvk != nil {
				what = gvk.Kind
			}
			problems = append(problems, fmt.Sprintf("%s %s: %v", what, nameOf(doc), err))
			continue
		}
		problems = append(problems, checkNames(obj)...)
		objects = append(objects, obj)
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	if len(objects) == 0 {
		return nil, errors.New("no objects in the input")
	}
	return objects, nil
}

// checkNames applies the API server's syntax rules to the name, namespace and labels.
func checkNames(obj runtime.Object) []string {
	m, err := meta.Accessor(obj)
	if err != nil {
		return []string{err.Error()}
	}
	kind := obj.GetObjectKind().GroupVersionKind().Kind
	var problems []string
	add := func(field string, errs []string) {
		for _, e := range errs {
			problems = append(problems, fmt.Sprintf("%s %s: %s: %s", kind, m.GetName(), field, e))
		}
	}
	if kind == "Service" {
		add("metadata.name", validation.IsDNS1035Label(m.GetName()))
	} else {
		add("metadata.name", validation.IsDNS1123Subdomain(m.GetName()))
	}
	if m.GetNamespace() == "" {
		add("metadata.namespace", []string{"missing"})
	}
	for key, value := range m.GetLabels() {
		add("label "+key, append(validation.IsQualifiedName(key), validation.IsValidLabelValue(value)...))
	}
	return problems
}

// compareRules checks that the one PrometheusRule holds exactly the groups of the rule file.
func compareRules(objects []runtime.Object, path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var want monitoringv1.PrometheusRuleSpec
	if err := yaml.UnmarshalStrict(raw, &want); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var found []*monitoringv1.PrometheusRule
	for _, obj := range objects {
		if rule, ok := obj.(*monitoringv1.PrometheusRule); ok {
			found = append(found, rule)
		}
	}
	if len(found) != 1 {
		return fmt.Errorf("-rules: expected one PrometheusRule, found %d", len(found))
	}
	if !reflect.DeepEqual(found[0].Spec, want) {
		got, _ := yaml.Marshal(found[0].Spec)
		return fmt.Errorf("the PrometheusRule's spec differs from %s:\n%s", path, got)
	}
	fmt.Printf("validate: PrometheusRule %s has the %d rules of %s\n",
		found[0].Name, countRules(want), path)
	return nil
}

func countRules(spec monitoringv1.PrometheusRuleSpec) int {
	n := 0
	for _, g := range spec.Groups {
		n += len(g.Rules)
	}
	return n
}

func kinds(objects []runtime.Object) string {
	count := map[string]int{}
	for _, obj := range objects {
		count[obj.GetObjectKind().GroupVersionKind().Kind]++
	}
	var parts []string
	for kind, n := range count {
		parts = append(parts, fmt.Sprintf("%d %s", n, kind))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// nameOf finds metadata.name in a document that failed to decode, for the message.
func nameOf(doc []byte) string {
	var m struct {
		Metadata struct{ Name string } `json:"metadata"`
	}
	_ = yaml.Unmarshal(doc, &m)
	return m.Metadata.Name
}

// stripComments drops whole-line comments (Helm's "# Source:" lines) to spot empty documents.
func stripComments(doc []byte) []byte {
	var out bytes.Buffer
	for _, line := range bytes.Split(doc, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			out.Write(line)
			out.WriteByte('\n')
		}
	}
	return out.Bytes()
}
