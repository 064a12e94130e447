// Not implemented yet: issue #4 fills this package. It exports nothing on purpose.
export {};
