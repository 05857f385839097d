#!/usr/bin/env node
// The built bundle (npm run build, which `npm ci` runs through `prepare`).
import "../dist/kubeadm-ts.mjs"
