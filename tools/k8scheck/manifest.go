package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// Manifest is one YAML document decoded into its typed Kubernetes object.
type Manifest struct {
	File string // path as given on the command line
	Doc  int    // 1-based document index inside File
	Kind string
	Name string
	Obj  any // *appsv1.Deployment, *batchv1.Job, ...
}

func (m Manifest) String() string {
	if m.Doc > 1 {
		return fmt.Sprintf("%s (document %d): %s %s", m.File, m.Doc, m.Kind, m.Name)
	}
	return fmt.Sprintf("%s: %s %s", m.File, m.Kind, m.Name)
}

// kinds are the apiVersion/kind pairs we know how to decode. An object of any other kind (or of
// a removed apiVersion such as autoscaling/v2beta2) is an error, so nothing escapes the strict
// decode: add its type here when deploy/ needs a new kind.
var kinds = map[string]func() any{
	"v1/ConfigMap":                           func() any { return &corev1.ConfigMap{} },
	"v1/Secret":                              func() any { return &corev1.Secret{} },
	"v1/Service":                             func() any { return &corev1.Service{} },
	"v1/ServiceAccount":                      func() any { return &corev1.ServiceAccount{} },
	"apps/v1/Deployment":                     func() any { return &appsv1.Deployment{} },
	"batch/v1/Job":                           func() any { return &batchv1.Job{} },
	"batch/v1/CronJob":                       func() any { return &batchv1.CronJob{} },
	"autoscaling/v2/HorizontalPodAutoscaler": func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
	"policy/v1/PodDisruptionBudget":          func() any { return &policyv1.PodDisruptionBudget{} },
	"networking.k8s.io/v1/Ingress":           func() any { return &networkingv1.Ingress{} },
	"networking.k8s.io/v1/NetworkPolicy":     func() any { return &networkingv1.NetworkPolicy{} },
}

// kustomization is the part of kustomization.yaml we check: that it lists exactly the manifests
// of its folder. It is decoded leniently because kustomize has many fields we do not model.
type kustomization struct {
	Resources []string `json:"resources"`
}

// Load reads every .yaml/.yml file in the given folders (or the given files), splits
// multi-document files and decodes each document strictly into its typed object.
func Load(paths ...string) ([]Manifest, []error) {
	var (
		out  []Manifest
		errs []error
	)
	for _, p := range paths {
		files, kustom, err := manifestFiles(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if kustom != "" {
			errs = append(errs, checkKustomization(kustom, files)...)
		}
		for _, f := range files {
			ms, ferrs := loadFile(f)
			out = append(out, ms...)
			errs = append(errs, ferrs...)
		}
	}
	return out, errs
}

// manifestFiles lists the manifests of a folder (sorted) and its kustomization.yaml, if any.
func manifestFiles(p string) (files []string, kustom string, err error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, "", err
	}
	if !st.IsDir() {
		return []string{p}, "", nil
	}
	entries, err := os.ReadDir(p)
	if err != nil {
		return nil, "", err
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !(strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
			continue
		}
		if name == "kustomization.yaml" || name == "kustomization.yml" {
			kustom = filepath.Join(p, name)
			continue
		}
		files = append(files, filepath.Join(p, name))
	}
	sort.Strings(files)
	if len(files) == 0 {
		return nil, "", fmt.Errorf("%s: no manifests", p)
	}
	return files, kustom, nil
}

// checkKustomization fails when `kubectl apply -k` would not apply exactly the files we lint.
func checkKustomization(path string, files []string) []error {
	data, err := os.ReadFile(path)
	if err != nil {
		return []error{err}
	}
	var k kustomization
	if err := yaml.Unmarshal(data, &k); err != nil {
		return []error{fmt.Errorf("%s: %w", path, err)}
	}
	var errs []error
	dir := filepath.Dir(path)
	for _, r := range k.Resources {
		if !slices.Contains(files, filepath.Join(dir, r)) {
			errs = append(errs, fmt.Errorf("%s: resource %q is not a manifest in %s", path, r, dir))
		}
	}
	for _, f := range files {
		if !slices.Contains(k.Resources, filepath.Base(f)) {
			errs = append(errs, fmt.Errorf("%s: %s is not listed in resources, so `kubectl apply -k` skips it", path, filepath.Base(f)))
		}
	}
	return errs
}

func loadFile(path string) ([]Manifest, []error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, []error{err}
	}
	var (
		out  []Manifest
		errs []error
	)
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for doc := 1; ; doc++ {
		raw, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", path, err))
			break
		}
		if len(bytes.TrimSpace(stripComments(raw))) == 0 {
			continue // an empty document (e.g. after a trailing ---)
		}
		m, err := decode(path, doc, raw)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, m)
	}
	return out, errs
}

// decode converts one YAML document to JSON (duplicate keys are an error) and unmarshals it
// case-sensitively into the typed object for its apiVersion/kind, reporting every unknown
// field; a value of the wrong type (a string for replicas, "250x" for a quantity) fails too.
// encoding/json alone would match "ReadinessProbe" to readinessProbe, so we use sigs.k8s.io/json,
// the decoder the API server itself uses for strict field validation.
func decode(path string, doc int, raw []byte) (Manifest, error) {
	where := path
	if doc > 1 {
		where = fmt.Sprintf("%s (document %d)", path, doc)
	}
	js, err := yaml.YAMLToJSONStrict(raw)
	if err != nil {
		return Manifest{}, fmt.Errorf("%s: %w", where, err)
	}
	var tm metav1.TypeMeta
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(js, &tm); err != nil {
		return Manifest{}, fmt.Errorf("%s: %w", where, err)
	}
	if tm.APIVersion == "" || tm.Kind == "" {
		return Manifest{}, fmt.Errorf("%s: apiVersion and kind are required", where)
	}
	newObj, ok := kinds[tm.APIVersion+"/"+tm.Kind]
	if !ok {
		return Manifest{}, fmt.Errorf("%s: unknown kind %s %s (a typo, a removed apiVersion, or a kind to add to k8scheck)", where, tm.APIVersion, tm.Kind)
	}
	obj := newObj()
	strict, err := sigsjson.UnmarshalStrict(js, obj, sigsjson.DisallowDuplicateFields, sigsjson.DisallowUnknownFields)
	if err != nil {
		return Manifest{}, fmt.Errorf("%s: %s: %w", where, tm.Kind, err)
	}
	if len(strict) > 0 {
		msgs := make([]string, len(strict))
		for i, e := range strict {
			msgs[i] = e.Error()
		}
		return Manifest{}, fmt.Errorf("%s: %s: %s", where, tm.Kind, strings.Join(msgs, "; "))
	}
	name := ""
	if o, ok := obj.(metav1.Object); ok {
		name = o.GetName()
	}
	if name == "" {
		return Manifest{}, fmt.Errorf("%s: %s without metadata.name", where, tm.Kind)
	}
	return Manifest{File: path, Doc: doc, Kind: tm.Kind, Name: name, Obj: obj}, nil
}

// stripComments drops full-line comments so a document holding only comments counts as empty.
func stripComments(raw []byte) []byte {
	var b bytes.Buffer
	for line := range bytes.Lines(raw) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] == '#' {
			continue
		}
		b.Write(line)
	}
	return b.Bytes()
}
