module github.com/portmatrix/portmatrix

go 1.26.8

require (
	github.com/stretchr/testify v1.12.1
	go.yaml.in/yaml/v3 v3.0.6
)

require golang.org/x/sync v0.25.0 // indirect
