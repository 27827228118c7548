/* mugai - placeholder CLI. */
int main(void)
{
    return 3;
}
