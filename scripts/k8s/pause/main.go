// The pod sandbox's process for the real node (what registry.k8s.io/pause does, built locally
// because no image may be pulled from a public registry): hold the pod's namespaces, reap
// orphaned children, exit 0 on SIGINT/SIGTERM.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for sig := range sigs {
		if sig != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			// reap every exited child (PID 1 of a shared PID namespace inherits orphans)
			pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
