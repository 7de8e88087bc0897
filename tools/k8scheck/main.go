// Command k8scheck lints Kubernetes manifests offline (`make k8s-lint`): every document is
// decoded strictly into its typed k8s.io/api object (unknown or duplicate fields and values of
// the wrong type are errors, as with `kubectl apply --validate=strict`), then checked against our
// deployment conventions (rules.go). kubeconform would need JSON schemas from the internet.
//
//	go run . ../../deploy/k8s
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: k8scheck DIR|FILE...")
		os.Exit(2)
	}
	ms, errs := Load(os.Args[1:]...)
	if len(errs) == 0 {
		errs = Check(ms)
	}
	for _, err := range errs {
		fmt.Fprintln(os.Stderr, "k8s-lint:", err)
	}
	if len(errs) > 0 {
		os.Exit(1)
	}
	fmt.Printf("k8s-lint: %d manifests OK\n", len(ms))
}
