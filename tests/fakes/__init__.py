"""Local fakes of outside services the tests cannot reach (X): real servers on 127.0.0.1."""
