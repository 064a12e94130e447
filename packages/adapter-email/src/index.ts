// Not implemented yet: issue #6 fills this package. It exports nothing on purpose.
export {};
