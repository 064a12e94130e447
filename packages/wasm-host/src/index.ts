// Not implemented yet: issue #5 fills this package. It exports nothing on purpose.
export {};
