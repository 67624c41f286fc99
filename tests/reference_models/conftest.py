"""Reference-model tests need no Django: they train small models on the CPU in temporary folders."""

import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def _two_threads():
    torch.set_num_threads(2)
