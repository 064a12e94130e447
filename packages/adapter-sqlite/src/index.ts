// Not implemented yet: issue #3 fills this package. It exports nothing on purpose.
export {};
